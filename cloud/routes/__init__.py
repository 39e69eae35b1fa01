"""HTTP handlers, one RouteTableDef per concern."""
