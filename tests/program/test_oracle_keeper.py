"""The oracle keeper on the real program in-process: it posts, never runs ahead of a chain clock that
does not move, follows the clock when it does, and stops on a program error that means misconfiguration."""

from __future__ import annotations

import pytest
from akash_bme.generated.errors import Unauthorized
from akash_bme.generated.events import PriceUpdated
from akash_bme.oracle import MAX_LEAD_SECONDS, OracleKeeper, PostedPrice, PriceSeries, post_price
from akash_bme.testing import World, in_process_world
from solders.keypair import Keypair


@pytest.fixture
async def world() -> World:
    return await in_process_world()


async def test_keeper_posts_a_new_price_then_waits_for_the_clock(world: World) -> None:
    posts: list[PostedPrice] = []
    keeper = OracleKeeper(
        world.client, world.oracle, PriceSeries.fixed("2.10"), interval=0.01, on_post=posts.append
    )
    report = await keeper.run(count=3)
    # the price changed: posted one second past the feed's stamp (the clock has not moved); then the
    # same price at a clock that has not moved says nothing new, so nothing is sent
    assert (report.posted, report.skipped, report.failed) == (1, 2, 0)
    feed = await world.client.price_feed()
    assert (feed.price, feed.publish_time) == (210_000_000, world.now + 1)
    assert [type(e) for e in posts[0].result.events] == [PriceUpdated]

    world.connection.set_unix_time(world.now + 30)
    world.connection.expire_blockhash()
    report = await keeper.run(count=1)
    feed = await world.client.price_feed()
    assert report.posted == 1 and feed.publish_time == world.now


async def test_post_price_never_exceeds_the_lead_the_program_allows(world: World) -> None:
    for step in range(MAX_LEAD_SECONDS):
        posted = await post_price(world.client, world.oracle, 200_000_000 + step + 1)
        assert posted is not None and posted.publish_time == world.now + step + 1
    before = await world.client.price_feed()
    assert await post_price(world.client, world.oracle, 300_000_000) is None
    assert await world.client.price_feed() == before


async def test_a_keeper_without_the_oracle_key_stops_with_unauthorized(world: World) -> None:
    intruder = Keypair()
    world.connection.airdrop(intruder.pubkey(), 10**9)
    before = await world.client.price_feed()
    keeper = OracleKeeper(world.client, intruder, PriceSeries.fixed("0.01"), interval=0.01)
    with pytest.raises(Unauthorized):
        await keeper.run(count=5)
    assert await world.client.price_feed() == before
