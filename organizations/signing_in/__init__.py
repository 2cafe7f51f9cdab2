"""Signing in, in one place: lookups (the definer functions that find an account before a tenant is known),
policy (what a sign-in must satisfy, and its audit) and throttle (per-address limits)."""
