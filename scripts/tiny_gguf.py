"""A stand-in model for trying a local server's structured output: a tiny llama-architecture GGUF
with random weights and Llama 3's tokenizer (docs/llm.md, "Structured output and local servers").

    python scripts/tiny_gguf.py VOCAB.gguf OUT.gguf

VOCAB.gguf is a vocabulary-only file that llama.cpp ships for its tokenizer tests,
``models/ggml-vocab-llama-bpe.gguf`` in its source tree (Llama 3's BPE tokenizer with its
special tokens). Needs the ``gguf`` package (``pip install gguf``; not one of aisci's
dependencies). The model's text is noise; its only bias is toward the tokens that close a JSON
string, object or value, so that its answers come in short pieces. Whether an answer is JSON of
the shape a request asked for is then the server's doing (its grammar), which is what the
recipe tries.
"""

from __future__ import annotations

import sys

import numpy as np

N_EMBD, N_FF, N_HEAD = 64, 128, 4
EOT = 128009  # Llama 3's <|eot_id|>: where an assistant turn ends
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
    "{{ m['content'] | trim }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)


def main(vocab_file: str, out: str) -> None:
    try:
        import gguf
    except ImportError:
        sys.exit("This script needs the gguf package: pip install gguf")
    try:
        fields = {k: v.contents() for k, v in gguf.GGUFReader(vocab_file).fields.items()}
    except (OSError, ValueError) as e:
        sys.exit(
            f"Cannot read the vocabulary {vocab_file}: {e}. Give llama.cpp's "
            "models/ggml-vocab-llama-bpe.gguf (in its source tree)."
        )
    if "tokenizer.ggml.merges" not in fields:
        sys.exit(f"{vocab_file} has no BPE merges: give models/ggml-vocab-llama-bpe.gguf.")
    tokens = fields["tokenizer.ggml.tokens"]
    rng = np.random.default_rng(0)

    def weights(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w = gguf.GGUFWriter(out, "llama")
    w.add_name("tiny-random")
    w.add_context_length(4096)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(1)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_rope_freq_base(500000.0)
    w.add_file_type(0)  # every tensor F32
    w.add_tokenizer_model(fields["tokenizer.ggml.model"])
    w.add_tokenizer_pre(fields["tokenizer.ggml.pre"])
    w.add_token_list(tokens)
    w.add_token_types(fields["tokenizer.ggml.token_type"])
    w.add_token_merges(fields["tokenizer.ggml.merges"])
    w.add_bos_token_id(fields["tokenizer.ggml.bos_token_id"])
    w.add_eos_token_id(EOT)
    w.add_add_bos_token(True)
    w.add_chat_template(CHAT_TEMPLATE)
    # Every embedding shares a large first component, so the last hidden state points that
    # way; the output rows of the tokens holding ", } or , have a weight there: a logit ~4
    # above the others.
    embeddings = weights(len(tokens), N_EMBD)
    embeddings[:, 0] += 1.0
    output = weights(len(tokens), N_EMBD, scale=0.001)
    output[[i for i, t in enumerate(tokens) if any(c in t for c in '"},')], 0] = 0.5
    w.add_tensor("token_embd.weight", embeddings)
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, np.float32))
    w.add_tensor("output.weight", output)
    w.add_tensor("blk.0.attn_norm.weight", np.ones(N_EMBD, np.float32))
    for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
        w.add_tensor(f"blk.0.{name}.weight", weights(N_EMBD, N_EMBD))
    w.add_tensor("blk.0.ffn_norm.weight", np.ones(N_EMBD, np.float32))
    w.add_tensor("blk.0.ffn_gate.weight", weights(N_FF, N_EMBD))
    w.add_tensor("blk.0.ffn_up.weight", weights(N_FF, N_EMBD))
    w.add_tensor("blk.0.ffn_down.weight", weights(N_EMBD, N_FF))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
