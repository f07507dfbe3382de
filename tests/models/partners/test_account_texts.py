"""Users', tokens' and master data files' refusals read exactly as before and keep their template."""
import io

import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.partners.accounts import create_user
from models.partners.api_tokens import create_token
from models.partners.master_data import ImportReport, read_csv_rows
from tests.conftest import settings_for


@pytest.mark.parametrize("call, field, english", [
    (lambda: create_user("nobody", "ops_agent"), "email", "'nobody' is not an email address"),
    (lambda: create_user("a@b.test", "king"), "role", "unknown role 'king'; one of "),
    (lambda: create_token(None, name="x" * 101), "name", "at most 100 characters"),
    (lambda: create_token(None, expires_days=0), "expires_days", "from 1 to 3650 days, or none for no expiry"),
], ids=["email", "role", "token-name", "token-expiry"])
def test_account_refusals_keep_their_template(call, field, english):
    with pytest.raises(ValidationFailed) as caught:
        call()
    message = caught.value.messages[field][0]
    assert message.startswith(english) and isinstance(message, TextMessage) and str(message.text) == message


def test_a_master_data_files_header_problem_keeps_its_template(tmp_path):
    report = ImportReport("warehouses")
    rows = read_csv_rows(io.StringIO("code,name\nEAST,East\n"), ("code", "name", "region", "address"), report,
                         settings=settings_for(tmp_path))
    assert rows is None
    message = report.errors[0].message
    assert message == "missing columns: region, address" and message.text.template == "missing columns: %(columns)s"
