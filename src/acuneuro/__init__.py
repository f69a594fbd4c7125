"""acuneuro: acupuncture for neuropathic pain inside an integrated medical plan."""

__version__ = "0.1.0"
__all__ = ["__version__"]
