"""Excel in and out of the portal's lists."""
