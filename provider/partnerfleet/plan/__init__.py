"""`partnerfleet plan`: what a stack's preview costs, from the backend's own rules."""
