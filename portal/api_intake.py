"""(being written)"""
from flask import Blueprint

bp = Blueprint("api_intake", __name__, url_prefix="/api/v1")
