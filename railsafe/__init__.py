"""railsafe: keeps Railway deployments from destroying or leaking production data."""

__version__ = "0.1.0"
