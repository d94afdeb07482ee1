"""The admin shell: accounts, auth, console sessions, the control socket, audit, registries.

Below every domain: it knows no domain, and the domains register what they add to it
(console pages, menu entries, overview cards, exports, personal-data collections) through
`forms_api.domain.Domain`, assembled in `forms_api.app`.
"""
