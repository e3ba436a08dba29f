# Cases are deliberately not registered in the admin: case data is reached only
# through cases/access.py, which a superuser flag does not bypass.
