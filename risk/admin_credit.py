"""Staff screens for credit scores and external flag imports (K3)."""
