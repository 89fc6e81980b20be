def test_code_flow_smoke(client, actors):
    actors.user()
    rp = actors.rp()
    tokens = actors.tokens(client, rp)
    assert "id_token" in tokens and "refresh_token" in tokens
