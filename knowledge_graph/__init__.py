"""The governance knowledge graph (综治知识图谱): who handles what, at which level, under which article,
within which deadline.

Layout: ``seed/`` holds the curated YAML (every routing rule and governing-article link cites its source),
``models`` validates it, ``loader`` writes it with MERGE (one transaction per file), ``queries`` holds every
Cypher statement as a named, parameterised query, ``server`` starts the embedded ArcadeDB server.

This package takes plain arguments (paths, a driver, a database name) and imports nothing from ``brain``;
``brain.graph.GraphService`` is the adapter the service uses.
"""
