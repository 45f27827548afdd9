"""The bot's look at a lone CSV, while it waits for the other one, reads no rows: they are checked once."""

from __future__ import annotations

from bot.app import BotApplication
from sandbox import World
from store.installation import StoreHandle
from tests.conftest import FixedClock
from tests.test_bot_roster import STAFF_CSV, STUDENTS_CSV, answer_after_import, counts, office


async def test_a_lone_csv_is_only_looked_at_and_its_rows_are_checked_once_at_import(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    """A row that breaks the CSV reader far down the file is met by the import's one pass, not before."""
    user = await office(world, store, clock)
    broken = '第一中學,S999999,"' + "x" * 200_000 + '",七年級,七年級1班\r\n'  # past csv's field size limit
    await user.send_document("students.csv", STUDENTS_CSV + broken.encode())
    assert "Now send the staff list (staff.csv)" in (await user.next_message()).text
    await user.send_document("staff.csv", STAFF_CSV)
    text = "\n".join(m.text for m in await answer_after_import(user))
    assert text.startswith("Roster refused, nothing was changed: 1 problem to fix.")
    assert "students.csv: cannot be read as CSV (field larger than field limit (131072))." in text
    assert await counts(store) == (1, 0)
