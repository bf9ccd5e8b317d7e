"""The admin pages, one module per area, thin over administration.selectors and .services.
Admins only (views.common.admin_page, the role gate of operators.access)."""
