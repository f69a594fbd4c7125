"""acuneuro.interop"""
