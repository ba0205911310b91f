"""akash-bme: Akash Burn-Mint-Equilibrium on Solana — async SDK, localnet and migration tooling."""

__all__: list[str] = []
