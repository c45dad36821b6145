"""Tools that the in-process and the stdio fake servers both offer: a large result and a tool list that grows."""

from mcp.server import MCPServer
from mcp.server.mcpserver import Context


def add_big_and_grow(server: MCPServer) -> None:
    """Give `server` the tools `big` and `grow`."""

    @server.tool()
    def big(megabytes: int) -> str:
        """A large text result."""
        return "x" * (megabytes * 1024 * 1024)

    @server.tool()
    async def grow(ctx: Context) -> str:
        """Add a tool, then announce the change (legacy notification and modern event)."""
        server.add_tool(lambda: "new", name="extra", description="added at runtime")
        await ctx.session.send_tool_list_changed()
        await ctx.notify_tools_changed()
        return "grown"
