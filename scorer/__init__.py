"""scorer: read a 法治政府建设年度报告, summarise it with an LLM, score it with an auditable rubric."""

__version__ = "0.1.0"
