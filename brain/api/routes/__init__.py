"""One router per capability. Each module exposes ``router``; ``brain.api.app`` includes them in order."""

ROUTER_MODULES = [
    "brain.api.routes.health",
    "brain.api.routes.search",
    "brain.api.routes.intake",
    "brain.api.routes.graph",
    "brain.api.routes.agreements",
    "brain.api.routes.chat",
    "brain.api.routes.cases",
    "brain.api.routes.analysis",
    "brain.api.routes.tools",
]
