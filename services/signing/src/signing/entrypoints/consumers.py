"""Thin event handlers: each hands the event to its use case."""

from __future__ import annotations

from lexseal_events import ContractWithdrawn, LetterApproved, ReviewApproved
from servicekit.consumer import EventConsumer, NotReady
from servicekit.uow import UnitOfWork

from ..adapters.keyring import Keyring
from ..config import Settings
from ..service_layer import envelopes, letters

consumer = EventConsumer()


class Wiring:
    """What the handlers need beyond the unit of work; set in the app's lifespan."""

    settings: Settings | None = None
    keyring: Keyring | None = None

    @classmethod
    def get(cls) -> tuple[Settings, Keyring]:
        """Return the settings and keyring of the running service."""
        if cls.settings is None or cls.keyring is None:
            # The kit starts consumers only after the wiring; should one ever run first, the
            # delivery waits and comes back without spending an attempt.
            raise NotReady("signing consumers are not wired yet")
        return cls.settings, cls.keyring


@consumer.on(ReviewApproved)
async def on_review_approved(uow: UnitOfWork, event: ReviewApproved) -> None:
    """Prepare the signing envelope of an approved contract."""
    settings, _ = Wiring.get()
    await envelopes.prepare_envelope(uow, event, settings=settings)


@consumer.on(ContractWithdrawn)
async def on_contract_withdrawn(uow: UnitOfWork, event: ContractWithdrawn) -> None:
    """Void the envelope of a withdrawn contract."""
    await envelopes.withdraw_contract(uow, event)


@consumer.on(LetterApproved)
async def on_letter_approved(uow: UnitOfWork, event: LetterApproved) -> None:
    """Seal an approved firm letter."""
    settings, keyring = Wiring.get()
    await letters.seal_letter(uow, event, settings=settings, keyring=keyring)
