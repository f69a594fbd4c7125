"""Clinical facts as data, each citing its source (see ``knowledge/sources/``)."""

from acuneuro.knowledge._bibliography import Source, bibliography, check_cited, knowledge_text

__all__ = ["Source", "bibliography", "check_cited", "knowledge_text"]
