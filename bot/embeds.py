"""The only place formatted data becomes discord.py objects."""

from __future__ import annotations

import discord

from bot.formatting import EmbedData, OutgoingMessage

NO_MENTIONS = discord.AllowedMentions.none()


def to_embed(data: EmbedData) -> discord.Embed:
    embed = discord.Embed(
        title=data.title or None,
        description=data.description or None,
        url=data.url or None,
        colour=data.colour,
    )
    for f in data.fields:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if data.footer:
        embed.set_footer(text=data.footer)
    return embed


def send_kwargs(message: OutgoingMessage) -> dict:
    """Keyword arguments for any discord.py send/followup call, always with mentions disabled."""
    kwargs: dict = {"allowed_mentions": NO_MENTIONS}
    if message.content:
        kwargs["content"] = message.content
    if message.embeds:
        kwargs["embeds"] = [to_embed(e) for e in message.embeds]
    return kwargs
