"""Writing mail: letters from one template each, their HTML, calendar invitations."""
