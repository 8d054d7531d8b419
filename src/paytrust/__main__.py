from paytrust.cli import app

if __name__ == "__main__":  # a spawned child process imports this module too
    app(prog_name="paytrust")
