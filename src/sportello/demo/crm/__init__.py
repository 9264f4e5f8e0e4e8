"""The demo CRM: a host page on another origin that embeds Sportello the way an integrator would.

It talks to Sportello only through what an integrator has (the REST API, the handshake, the
iframe and its events), so it imports nothing of the product.
"""

from sportello.demo.crm.app import create_crm_app
from sportello.demo.crm.config import CrmConfig, CrmUser

__all__ = ["CrmConfig", "CrmUser", "create_crm_app"]
