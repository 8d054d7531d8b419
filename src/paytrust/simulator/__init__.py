"""An agent-based payment world with labelled fraud and money-laundering typologies.

Customers (with homes, devices, habits, wallets and contacts), merchants and cash agents
transact day by day; scenarios of eleven typologies are injected on top. Labels:

* ``is_fraud`` — True for every transaction a scenario produced: fraud against the customer
  (account takeover, SIM swap, APP scam, card testing, dormant reactivation), abuse by the
  customer (refund abuse, merchant collusion) and laundering / sanctions exposure that a
  compliance team must review (money mule, structuring, high-risk jurisdiction, sanctioned
  name). It means "should be stopped or reported", not only "customer lost money".
* ``typology`` — the scenario's kind (``config.TYPOLOGIES``); ``None`` for background traffic.
* ``scenario_id`` — shared by every transaction of one scenario.

The same seed and configuration give byte-identical output.
"""

from paytrust.simulator.api import (
    LabelledTransaction,
    read_file,
    simulate,
    simulate_batches,
    to_api_json,
    write_file,
)
from paytrust.simulator.config import TYPOLOGIES, SimulationConfig
from paytrust.simulator.generate import SCHEMA, Simulation
from paytrust.simulator.world import World

__all__ = [
    "SCHEMA",
    "TYPOLOGIES",
    "LabelledTransaction",
    "Simulation",
    "SimulationConfig",
    "World",
    "read_file",
    "simulate",
    "simulate_batches",
    "to_api_json",
    "write_file",
]
