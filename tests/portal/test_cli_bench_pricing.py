"""`oms bench pricing` at a tiny size: it prices a batch under a generated book, checks every order against pricing
it alone, and prints the figure with a machine-readable RESULT line."""
from click.testing import CliRunner

from portal.cli_bench_pricing import bench_pricing


def test_the_pricing_bench_prints_its_figure_for_the_book_it_built():
    result = CliRunner().invoke(bench_pricing, ["--customers", "30", "--distributors", "3", "--contracts", "40",
                                                "--regions", "2", "--orders", "60"])
    assert result.exit_code == 0, result.output
    assert "every order as priced alone" in result.output
    figures = dict(part.split("=") for part in result.output.strip().splitlines()[-1].split()[1:])
    assert (figures["lists"], figures["contracts"], figures["rates"]) == ("34", "40", "12")
    assert float(figures["us_per_order"]) > 0


def test_the_pricing_bench_fails_when_a_batch_prices_an_order_otherwise_than_alone(monkeypatch):
    from portal import cli_bench_pricing
    real = cli_bench_pricing.price_order

    def sharing_wrongly(order, book, rates, *, known=None, **kwargs):  # a batch that loses all rates but one
        return real(order, book, rates if known is None else rates[:1], known=known, **kwargs)
    monkeypatch.setattr(cli_bench_pricing, "price_order", sharing_wrongly)
    result = CliRunner().invoke(bench_pricing, ["--customers", "5", "--distributors", "1", "--contracts", "3",
                                                "--regions", "2", "--orders", "10"])
    assert result.exit_code != 0 and "differ from the same orders priced alone" in result.output
