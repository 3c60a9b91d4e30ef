"""smclass: label social-media posts with Anklam's types of social media."""

__version__ = "0.2.0"
