"""Career Mobility Service: career events, move classification and promotion readiness."""

__version__ = "0.1.0"
