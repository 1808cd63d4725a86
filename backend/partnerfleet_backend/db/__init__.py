"""The database floor: engines and transactions (`engines`), the unit of work's context
(`context`), statements compiled once for the hot paths (`compiled`), and bulk writes for the
calendar (`bulk`). It imports no domain: the domains' services and the request pipeline stand
on it."""
