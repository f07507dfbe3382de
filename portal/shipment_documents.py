"""Placeholder: filled in by its own change."""
from flask import Blueprint

bp = Blueprint("shipment_documents", __name__)
