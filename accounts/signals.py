"""Signals accounts sends so apps above it can honour a user's PIPL rights for
the personal data they hold (DESIGN: a lower app does not import higher ones).

- `personal_data_collect`: kwargs user; each receiver returns {section: data}
  to add to the user's export (PIPL art. 45).
- `personal_data_erase`: kwargs user; sent inside the anonymisation transaction;
  receivers erase or anonymise what they hold (PIPL art. 47), keeping only what
  finance and audit must retain."""

from django.dispatch import Signal

personal_data_collect = Signal()
personal_data_erase = Signal()
