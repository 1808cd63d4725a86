"""What a partner charges its own customers (the MSP usage-billing seed: it bills them monthly):
a price per seat (or usage unit) and month, or a markup on its cost, per product and edition
(`*`: every edition of the product)."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base

ANY_EDITION = "*"


class ResalePrice(Base):
    __tablename__ = "resale_prices"
    __table_args__ = (
        Index(
            "uq_resale_prices_partner_product_edition",
            "partner_id",
            "product",
            "edition",
            unique=True,
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    product: Mapped[str] = mapped_column(String(30))
    edition: Mapped[str] = mapped_column(String(20))
    price_cents: Mapped[int | None] = mapped_column(BigInteger)  # per seat (unit) and month
    markup_bp: Mapped[int | None] = mapped_column()  # on the cost, in basis points
    updated_at: Mapped[datetime] = mapped_column()
