from paytrust.cli import app

app(prog_name="paytrust")
