"""Research from a topic: a Markdown file (question, metric, budget, data) that the model
drafts a runnable template from. ``spec`` reads and checks the file (docs/topics.md)."""
