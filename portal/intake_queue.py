"""(being written)"""
from flask import Blueprint

bp = Blueprint("intake_queue", __name__)
