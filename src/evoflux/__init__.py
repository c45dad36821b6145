"""evoflux: plan, check, run and repair MCP tool workflows with small language models."""
