"""Fake Semantic Scholar, OpenAlex and arXiv servers on 127.0.0.1, for tests (stdlib only).

Contract:
- ``FakeSemanticScholar`` serves ``GET /graph/v1/paper/search`` (``base_url`` ends in
  ``/graph/v1``), ``FakeOpenAlex`` ``GET /works``, ``FakeArxiv`` ``GET /api/query``. Their
  default answers search the sample records below (every query word must appear) and come in
  the real shapes: S2 ``{"total", "offset", "next"?, "data"}`` with only the requested
  ``fields`` (plus ``paperId``), zero hits as ``{"total": 0, "offset": 0}``; OpenAlex
  ``{"meta", "results", "group_by"}``; arXiv an Atom feed with ``opensearch:totalResults``.
- ``fake.script(path, *replies)`` queues replies for a path (relative to the base path); a
  reply is a ``Reply`` or a ``(status, body)`` tuple; a queue that runs dry falls back to the
  default. ``fake.set_default(path, reply_or_callable)`` replaces the default.
- ``Reply(delay_s=...)`` answers late (a server that hangs); stopping the server ends the wait.
- Every request is recorded (path, params, lowercased headers, ``time.monotonic()`` on arrival)
  in ``fake.requests`` before it is answered; ``wait_for_requests(n, timeout)`` waits on a
  condition.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import zlib
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape, quoteattr

S2_TOO_MANY_REQUESTS = {
    "message": "Too Many Requests. Please wait and try again or apply for a key for higher rate "
    "limits. https://www.semanticscholar.org/product/api#api-key-form",
    "code": "429",
}
S2_ZERO_HITS = {"total": 0, "offset": 0}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # relative to the base path, without the query string
    params: dict[str, str]
    headers: dict[str, str]  # names lowercased
    time: float  # time.monotonic() on arrival


Responder = Callable[[RecordedRequest], Reply]
Scripted = Reply | tuple | Responder


class FakeLiteratureServer:
    base_path = ""
    content_type = "application/json"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queues: dict[str, deque] = defaultdict(deque)
        self._defaults: dict[str, Scripted] = {}
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> FakeLiteratureServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True, name=type(self).__name__
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeLiteratureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the fake first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    # -- scripting --------------------------------------------------------------------------
    def script(self, path: str, *replies: Scripted) -> None:
        with self._cond:
            self._queues[path].extend(replies)

    def set_default(self, path: str, reply: Scripted) -> None:
        self._defaults[path] = reply

    def request_count(self, path: str | None = None) -> int:
        with self._cond:
            return sum(1 for r in self.requests if path is None or r.path == path)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            return list(self.requests)

    # -- serving ----------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        path = (
            split.path[len(self.base_path) :]
            if split.path.startswith(self.base_path)
            else split.path
        )
        request = RecordedRequest(
            "GET",
            path,
            dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)),
            {k.lower(): v for k, v in handler.headers.items()},
            time.monotonic(),
        )
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()
            queued = self._queues[path].popleft() if self._queues[path] else None
        scripted = queued if queued is not None else self._defaults.get(path)
        if scripted is None:
            reply = Reply(404, {"error": f"fake: no route {path}"})
        elif callable(scripted):
            reply = scripted(request)
        elif isinstance(scripted, tuple):
            reply = Reply(*scripted)
        else:
            reply = scripted
        if reply.delay_s and self._stopping.wait(reply.delay_s):
            return
        body = reply.body
        if isinstance(body, (dict, list)):
            data, ctype = json.dumps(body).encode(), "application/json"
        else:
            data = body.encode() if isinstance(body, str) else (body or b"")
            ctype = self.content_type
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout); that is what such tests provoke


def _matches(query: str, *texts: Any) -> bool:
    """Every word of the query appears in the texts (case-insensitive), as the APIs roughly do."""
    hay = " ".join(str(t) for t in texts if t).lower()
    words = [w for w in query.lower().replace(":", " ").split() if w not in ("and", "all")]
    return bool(words) and all(w in hay for w in words)


# ---------------------------------------------------------------------------------------------
# Semantic Scholar
# ---------------------------------------------------------------------------------------------
S2_PAPERS: list[dict[str, Any]] = [
    {
        "paperId": "5a7b6a3c1f3a2c2e8b9e4a7f0d5c2b1e3a4f6d8c",
        "externalIds": {
            "DBLP": "journals/corr/abs-2201-02177",
            "ArXiv": "2201.02177",
            "CorpusId": 245769834,
        },
        "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "abstract": "We study generalization of neural networks on small algorithmically "
        "generated datasets, where validation accuracy can jump from chance to perfect "
        "long after the training set is fit.",
        "venue": "arXiv.org",
        "year": 2022,
        "citationCount": 412,
        "authors": [
            {"authorId": "2065894334", "name": "Alethea Power"},
            {"authorId": "3451406", "name": "Yuri Burda"},
            {"authorId": "2107407963", "name": "Harrison Edwards"},
            {"authorId": "2065737286", "name": "Igor Babuschkin"},
            {"authorId": "2066468717", "name": "Vedant Misra"},
        ],
        "citationStyles": {
            "bibtex": "@['JournalArticle']{Power2022GrokkingGB,\n author = {Alethea "
            "Power and Yuri Burda and Harrison Edwards and Igor Babuschkin and "
            "Vedant Misra},\n booktitle = {arXiv.org},\n journal = {ArXiv},\n "
            "title = {Grokking: Generalization Beyond Overfitting on Small "
            "Algorithmic Datasets},\n volume = {abs/2201.02177},\n year = {2022}\n}"
            "\n"
        },
    },
    {
        "paperId": "b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a3b5c7",
        "externalIds": {
            "ArXiv": "2301.05217",
            "DBLP": "conf/iclr/NandaCLSS23",
            "CorpusId": 255749430,
        },
        "title": "Progress measures for grokking via mechanistic interpretability",
        "abstract": None,
        "venue": "International Conference on Learning Representations",
        "year": 2023,
        "citationCount": 301,
        "authors": [
            {"authorId": "2051128902", "name": "Neel Nanda"},
            {"authorId": "2152858438", "name": "Lawrence Chan"},
            {"authorId": "2200409867", "name": "Tom Lieberum"},
            {"authorId": "2200445679", "name": "Jess Smith"},
            {"authorId": "5164568", "name": "J. Steinhardt"},
        ],
        "citationStyles": {
            "bibtex": "@['JournalArticle', 'Conference']{Nanda2023ProgressMF,\n "
            "author = {Neel Nanda and Lawrence Chan and Tom Lieberum and Jess Smith "
            "and J. Steinhardt},\n booktitle = {International Conference on "
            "Learning Representations},\n journal = {ArXiv},\n title = {Progress "
            "measures for grokking via mechanistic interpretability},\n volume = "
            "{abs/2301.05217},\n year = {2023}\n}\n"
        },
    },
    {
        "paperId": "c3d5e7f9a1b2c4d6e8f0a2b3c5d7e9f1a3b4c6d8",
        "externalIds": {"ArXiv": "2210.01117", "CorpusId": 252693361},
        "title": "Omnigrok: Grokking Beyond Algorithmic Data",
        "abstract": "Grokking is tied to a mismatch between the weight norm at initialization and "
        "a 'Goldilocks zone' of good generalization; controlling the norm induces or "
        "removes grokking on images, text and molecules.",
        "venue": "International Conference on Learning Representations",
        "year": 2022,
        "citationCount": 98,
        "authors": [
            {"authorId": "2145253136", "name": "Ziming Liu"},
            {"authorId": "2108580718", "name": "Eric J. Michaud"},
            {"authorId": "2060691", "name": "Max Tegmark"},
        ],
        "citationStyles": None,
    },
    {
        "paperId": "d4e6f8a0b1c3d5e7f9a1b2c4d6e8f0a1b3c5d7e9",
        "externalIds": {"ArXiv": "2205.10343", "CorpusId": 248965387},
        "title": "Towards Understanding Grokking: An Effective Theory of Representation Learning",
        "abstract": None,
        "venue": "",
        "year": None,
        "citationCount": 0,
        "authors": [],
        "citationStyles": {"bibtex": None},
    },
    {
        "paperId": "5c126ae3421f05768d8edd97ecd44b1364e2c99a",
        "externalIds": {"ArXiv": "2006.11239", "MAG": "3100572490", "CorpusId": 219955663},
        "title": "Denoising Diffusion Probabilistic Models",
        "abstract": "High quality image synthesis with diffusion probabilistic models, latent "
        "variable models trained by connecting them to denoising score matching.",
        "venue": "Neural Information Processing Systems",
        "year": 2020,
        "citationCount": 15230,
        "authors": [
            {"authorId": "2126278", "name": "Jonathan Ho"},
            {"authorId": "1623995772", "name": "Ajay Jain"},
            {"authorId": "1689992", "name": "P. Abbeel"},
        ],
        "citationStyles": {
            "bibtex": "@Article{Ho2020DenoisingDP,\n author = {Jonathan Ho and Ajay "
            "Jain and P. Abbeel},\n booktitle = {Neural Information Processing "
            "Systems},\n journal = {ArXiv},\n title = {Denoising Diffusion "
            "Probabilistic Models},\n volume = {abs/2006.11239},\n year = {2020}\n}"
            "\n"
        },
    },
    {
        "paperId": "204e3073870fae3d05bcbc2f6a8e263d9b72e776",
        "externalIds": {
            "ArXiv": "1706.03762",
            "DBLP": "conf/nips/VaswaniSPUJGKP17",
            "CorpusId": 13756489,
        },
        "title": "Attention is All you Need",
        "abstract": "A network architecture based solely on attention mechanisms, dispensing with "
        "recurrence and convolutions, for sequence transduction.",
        "venue": "Neural Information Processing Systems",
        "year": 2017,
        "citationCount": 120345,
        "authors": [
            {"authorId": "40348417", "name": "Ashish Vaswani"},
            {"authorId": "1846258", "name": "Noam M. Shazeer"},
            {"authorId": "3877127", "name": "Niki Parmar"},
        ],
        "citationStyles": {
            "bibtex": "@None{Vaswani2017AttentionIA,\n author = {Ashish Vaswani and "
            "Noam M. Shazeer and Niki Parmar},\n title = {Attention is All you "
            "Need},\n year = {2017}\n}\n"
        },
    },
]


def s2_search_body(
    papers: list[dict],
    fields: str | None = None,
    *,
    offset: int = 0,
    total: int | None = None,
    limit: int | None = None,
) -> dict:
    """The real search shape; ``fields`` keeps only those keys (and paperId), like the API."""
    if not papers:
        return dict(S2_ZERO_HITS)
    keep = None if fields is None else {"paperId", *fields.split(",")}
    page = papers[:limit] if limit else papers
    data = [{k: v for k, v in p.items() if keep is None or k in keep} for p in page]
    body: dict[str, Any] = {"total": len(papers) if total is None else total, "offset": offset}
    if offset + len(page) < body["total"]:
        body["next"] = offset + len(page)
    body["data"] = data
    return body


class FakeSemanticScholar(FakeLiteratureServer):
    base_path = "/graph/v1"
    SEARCH = "/paper/search"

    def __init__(self, papers: list[dict] | None = None) -> None:
        super().__init__()
        self.papers = S2_PAPERS if papers is None else papers
        self.set_default(self.SEARCH, self._search)

    def _search(self, request: RecordedRequest) -> Reply:
        query = request.params.get("query", "")
        if not query:
            return Reply(400, {"error": "Unacceptable query: query must not be empty"})
        hits = [p for p in self.papers if _matches(query, p.get("title"), p.get("abstract"))]
        limit = int(request.params.get("limit", 100))
        return Reply(200, s2_search_body(hits, request.params.get("fields"), limit=limit))


# ---------------------------------------------------------------------------------------------
# OpenAlex
# ---------------------------------------------------------------------------------------------
def inverted_index(text: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        index.setdefault(word, []).append(position)
    return index


def _authorship(name: str, position: str = "middle") -> dict:
    return {
        "author_position": position,
        "author": {
            "id": f"https://openalex.org/A5{zlib.crc32(name.encode()):010d}",
            "display_name": name,
            "orcid": None,
        },
        "institutions": [],
        "countries": [],
        "is_corresponding": False,
        "raw_author_name": name,
    }


GROKKING_ABSTRACT = (
    "Neural networks trained on small algorithmic datasets can generalize long "
    "after they overfit, a phenomenon we call grokking."
)
OPENALEX_WORKS: list[dict[str, Any]] = [
    {
        "id": "https://openalex.org/W4226173489",
        "doi": "https://doi.org/10.48550/arxiv.2201.02177",
        "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "display_name": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "publication_year": 2022,
        "publication_date": "2022-01-06",
        "type": "preprint",
        "authorships": [
            _authorship("Alethea Power", "first"),
            _authorship("Yuri Burda"),
            _authorship("Vedant Misra", "last"),
        ],
        "primary_location": {
            "is_oa": True,
            "landing_page_url": "https://arxiv.org/abs/2201.02177",
            "source": {
                "id": "https://openalex.org/S4306400194",
                "display_name": "arXiv (Cornell University)",
                "type": "repository",
            },
        },
        "cited_by_count": 187,
        "abstract_inverted_index": inverted_index(GROKKING_ABSTRACT),
    },
    {
        "id": "https://openalex.org/W3036167779",
        "doi": None,
        "title": "Denoising Diffusion Probabilistic Models",
        "display_name": "Denoising Diffusion Probabilistic Models",
        "publication_year": 2020,
        "publication_date": "2020-06-19",
        "type": "article",
        "authorships": [
            _authorship("Jonathan Ho", "first"),
            _authorship("Ajay Jain"),
            _authorship("Pieter Abbeel", "last"),
        ],
        "primary_location": {"is_oa": True, "landing_page_url": None, "source": None},
        "cited_by_count": 9120,
        "abstract_inverted_index": None,
    },
    {
        "id": "https://openalex.org/W2963403868",
        "doi": "https://doi.org/10.65215/nips.2017.7181",
        "title": "Attention Is All You Need",
        "display_name": "Attention Is All You Need",
        "publication_year": 2017,
        "publication_date": "2017-06-12",
        "type": "article",
        "authorships": [_authorship("Ashish Vaswani", "first"), _authorship("Noam Shazeer")],
        "primary_location": None,
        "cited_by_count": 65123,
        "abstract_inverted_index": inverted_index(
            "The dominant sequence transduction models are based on recurrent or convolutional "
            "networks; we propose the Transformer, based solely on attention."
        ),
    },
    {
        "id": "https://openalex.org/W4385245566",
        "doi": None,
        "title": None,
        "display_name": "Grokking of modular addition in small transformers",
        "publication_year": None,
        "publication_date": None,
        "type": "article",
        "authorships": [],
        "primary_location": {"source": {"display_name": None}},
        "cited_by_count": 0,
        "abstract_inverted_index": None,
    },
]


def openalex_body(works: list[dict], *, per_page: int = 25, count: int | None = None) -> dict:
    return {
        "meta": {
            "count": len(works) if count is None else count,
            "db_response_time_ms": 37,
            "page": 1,
            "per_page": per_page,
            "groups_count": None,
        },
        "results": works[:per_page],
        "group_by": [],
    }


class FakeOpenAlex(FakeLiteratureServer):
    WORKS = "/works"

    def __init__(self, works: list[dict] | None = None) -> None:
        super().__init__()
        self.works = OPENALEX_WORKS if works is None else works
        self.set_default(self.WORKS, self._search)

    def _search(self, request: RecordedRequest) -> Reply:
        query = request.params.get("search", "")
        hits = [
            w
            for w in self.works
            if _matches(
                query,
                w.get("display_name"),
                " ".join((w.get("abstract_inverted_index") or {}).keys()),
            )
        ]
        return Reply(200, openalex_body(hits, per_page=int(request.params.get("per_page", 25))))


# ---------------------------------------------------------------------------------------------
# arXiv
# ---------------------------------------------------------------------------------------------
ARXIV_ENTRIES: list[dict[str, Any]] = [
    {
        "id": "2201.02177v1",
        "published": "2022-01-06T18:43:37Z",
        "category": "cs.LG",
        "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic\n  Datasets",
        "summary": "  We study how neural networks generalize on small algorithmically generated\n"
        "datasets, where validation accuracy improves long after overfitting.\n",
        "authors": [
            "Alethea Power",
            "Yuri Burda",
            "Harri Edwards",
            "Igor Babuschkin",
            "Vedant Misra",
        ],
        "comment": "Correspondence to alethea@openai.com",
    },
    {
        "id": "2006.11239v2",
        "published": "2020-06-19T17:24:44Z",
        "category": "cs.LG",
        "title": "Denoising Diffusion Probabilistic Models",
        "summary": "We present high quality image synthesis results using diffusion probabilistic "
        "models.",
        "authors": ["Jonathan Ho", "Ajay Jain", "Pieter Abbeel"],
    },
    {
        "id": "1706.03762v7",
        "published": "2017-06-12T17:57:34Z",
        "category": "cs.CL",
        "title": "Attention Is All You Need",
        "summary": "We propose a new simple network architecture, the Transformer, based solely on "
        "attention mechanisms.",
        "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"],
        "journal_ref": "Advances in Neural Information Processing Systems 30 (2017)",
    },
    {
        "id": "2310.06110v3",
        "published": "2023-10-09T19:01:12Z",
        "category": "cs.LG",
        "title": "Grokking as the Transition from Lazy to Rich Training Dynamics",
        "summary": "Grokking can arise when a network first fits data with its initial features.",
        "authors": ["Tanishq Kumar", "Blake Bordelon", "Samuel J. Gershman", "Cengiz Pehlevan"],
    },
]

_ARXIV_NS = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'
_OS_NS = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'


def _arxiv_entry(e: dict) -> str:
    authors = "".join(
        f"\n    <author>\n      <name>{escape(a)}</name>\n    </author>"
        for a in e.get("authors", [])
    )
    extra = ""
    if e.get("comment"):
        extra += f"\n    <arxiv:comment {_ARXIV_NS}>{escape(e['comment'])}</arxiv:comment>"
    if e.get("journal_ref"):
        extra += (
            f"\n    <arxiv:journal_ref {_ARXIV_NS}>{escape(e['journal_ref'])}</arxiv:journal_ref>"
        )
    url = f"http://arxiv.org/abs/{e['id']}"
    return f"""
  <entry>
    <id>{url}</id>
    <updated>{e["published"]}</updated>
    <published>{e["published"]}</published>
    <title>{escape(e["title"])}</title>
    <summary>{escape(e["summary"])}</summary>{authors}{extra}
    <link href={quoteattr(url)} rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{e["id"]}" rel="related" type="application/pdf"/>
    <arxiv:primary_category {_ARXIV_NS} term="{e["category"]}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="{e["category"]}" scheme="http://arxiv.org/schemas/atom"/>
  </entry>"""


def arxiv_feed(
    entries: list[dict],
    query: str = "all:grokking",
    *,
    total: int | None = None,
    max_results: int = 10,
) -> str:
    shown = entries[:max_results]
    title = escape(f"ArXiv Query: search_query={query}&id_list=&start=0&max_results={max_results}")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3D{urllib.parse.quote(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">{title}</title>
  <id>http://arxiv.org/api/8wQ2Ul3nRv0kIpcCQ8Vx5qj1tYc</id>
  <updated>2024-05-02T00:00:00-04:00</updated>
  <opensearch:totalResults {_OS_NS}>{len(entries) if total is None else total}</opensearch:totalResults>
  <opensearch:startIndex {_OS_NS}>0</opensearch:startIndex>
  <opensearch:itemsPerPage {_OS_NS}>{max_results}</opensearch:itemsPerPage>{"".join(_arxiv_entry(e) for e in shown)}
</feed>
"""


class FakeArxiv(FakeLiteratureServer):
    base_path = "/api"
    content_type = "application/atom+xml; charset=utf-8"
    QUERY = "/query"

    def __init__(self, entries: list[dict] | None = None) -> None:
        super().__init__()
        self.entries = ARXIV_ENTRIES if entries is None else entries
        self.set_default(self.QUERY, self._search)

    def _search(self, request: RecordedRequest) -> Reply:
        query = request.params.get("search_query", "")
        hits = [e for e in self.entries if _matches(query, e["title"], e["summary"])]
        return Reply(
            200, arxiv_feed(hits, query, max_results=int(request.params.get("max_results", 10)))
        )
