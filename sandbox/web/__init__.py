"""A web chat on the stand-in: pick a person, chat with the bot as them, in a browser.

The launcher (``twovisits run`` without a token) hands it plain data: the people to pick from, the
page's strings in each language, and callables to move the clock, reset, or meet the bot as new.
Nothing here knows the bot: it only plays Telegram's client side over the stand-in's state.
"""

from .chat import WebChat
from .model import Controls, Person

__all__ = ["Controls", "Person", "WebChat"]
