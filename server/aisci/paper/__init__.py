"""The paper stage's tools: build the LaTeX (``build``), read what TeX and BibTeX said
(``latexlog``), lint it (``chktex``, ``prechecks``), keep the bibliography sound (``bib``) and
check that every number the paper states comes from the runs' results (``consistency``)."""
