"""Placeholder: filled in by its own change."""
from flask import Blueprint

bp = Blueprint("api_events", __name__)
