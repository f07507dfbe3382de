"""Placeholder: filled in by its own change."""
from flask import Blueprint

bp = Blueprint("tracking_page", __name__)
