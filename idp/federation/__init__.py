"""Federation: the provider as a relying party of upstream OpenID providers (Pro Santé Connect
first). A person signs in there; the answer is verified, mapped to a linked local account, and
the sign-in ends in the same function as a local one (``interaction.flow``)."""
