"""Who is calling: browser sessions, API keys and Supabase tokens all become one `Principal`.

Service functions here take a tenant-bound SQLAlchemy session and plain values; the HTTP layer
(auth_api.py) only translates requests and cookies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flowai.core.db import utcnow
from flowai.core.errors import Problem, field_error, not_found
from flowai.core.models import ApiKey, Invite, PasswordReset, User, UserProfile, WebSession
from flowai.core.security import (
    generate_api_key,
    hash_password,
    new_token,
    sha256_hex,
    verify_password,
)

# What a credential may do. `admin` (tenant administration) and `platform` (tenants of the whole
# service) are held only by admins, and by a key only when it was created with them on purpose.
FEATURE_SCOPES = ("read", "voice:write", "editor:write", "exports:write", "shares:write", "webhooks:manage")
ADMIN_SCOPES = ("admin", "platform")
SCOPES = FEATURE_SCOPES + ADMIN_SCOPES
TENANT_SCOPES = (*FEATURE_SCOPES, "admin")  # all a tenant's own admin can hold
ROLES = ("member", "admin", "owner")
ADMIN_ROLES = ("admin", "owner")
PLATFORM_TENANT = "flowai"
LAST_USED_RESOLUTION = timedelta(seconds=60)
RESET_TTL = timedelta(hours=1)  # a forgot-password link
INVITE_TTL = timedelta(days=7)  # an invitation link
INVITE_ROLES = ("member", "admin")  # owners are made by owners, from the Members list


@dataclass(frozen=True)
class Principal:
    """The caller of one request: a user of one tenant, with the scopes this credential grants."""

    user_id: str
    tenant_id: str
    role: str
    scopes: frozenset[str]
    via: str  # "session" | "api_key" | "supabase" | "cli"
    api_key_id: str | None = None
    touch: bool = False  # the key's last_used_at is due to be written

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Problem(403, "admin-only", "Only the workspace's admins and owners can do this.")

    def require(self, *any_of: str) -> None:
        """The credential must hold one of `any_of`; `admin` and `platform` also need an admin role
        now (a key keeps its scopes when its owner is demoted, its powers go with the role)."""
        held = [scope for scope in any_of if scope in self.scopes]
        if not held and self.via != "api_key" and set(any_of) <= set(ADMIN_SCOPES):
            self.require_admin()  # a person without the role: say so, not "scope"
        if not held:
            wanted = " or ".join(f"'{scope}'" for scope in any_of)
            raise Problem(
                403,
                "insufficient-scope",
                f"This credential lacks the {wanted} scope; create a key that includes it.",
                errors=[{"field": "scope", "message": f"requires {' or '.join(any_of)}"}],
            )
        if all(scope in ADMIN_SCOPES for scope in held):
            self.require_admin()


def session_scopes(role: str) -> frozenset[str]:
    """A signed-in person holds every feature scope; the admin scopes come with an admin role."""
    return frozenset(SCOPES if role in ADMIN_ROLES else FEATURE_SCOPES)


def principal_for(
    user: User, via: str, scopes: frozenset[str] | None = None, key_id: str | None = None
) -> Principal:
    held = session_scopes(user.role) if scopes is None else scopes
    return Principal(user.id, user.tenant_id, user.role, held, via, key_id)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    s: Session, *, email: str, password: str | None, display_name: str, role: str = "member"
) -> User:
    """Create a user and its profile in the session's tenant; 409 when the email is taken."""
    if role not in ROLES:
        raise field_error(422, "validation", "role", f"must be one of {', '.join(ROLES)}")
    if not s.execute(select(User.id).limit(1)).first():
        role = "owner"  # the first account of a workspace owns it
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password) if password else None,
        role=role,
    )
    user.profile = UserProfile(display_name=display_name.strip())
    s.add(user)
    try:
        s.flush()
    except IntegrityError as exc:
        raise field_error(409, "email-taken", "email", "an account with this email already exists") from exc
    return user


def authenticate(s: Session, *, email: str, password: str) -> User | None:
    user = s.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not (ok and user and user.is_active):
        return None
    user.last_login_at = utcnow()
    return user


def start_session(s: Session, *, user: User, days: int, ip: str | None, user_agent: str | None) -> str:
    token = new_token()
    s.add(
        WebSession(
            token_hash=sha256_hex(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=days),
            ip=ip,
            user_agent=(user_agent or "")[:400],
        )
    )
    return token


def end_session(s: Session, token: str) -> None:
    row = s.get(WebSession, sha256_hex(token))
    if row:
        s.delete(row)


def user_for_session(s: Session, token: str) -> User | None:
    row = s.get(WebSession, sha256_hex(token))
    if row is None or row.expires_at < utcnow():
        return None
    user = s.get(User, row.user_id)
    return user if user and user.is_active else None


def create_api_key(
    s: Session, *, user: User, name: str, scopes: list[str], expires_at: datetime | None, tenant_slug: str
) -> tuple[ApiKey, str]:
    """Returns the row and the plaintext key, which is never stored and never shown again.

    `admin` and `platform` are never implied: they must be asked for, by an admin (`platform`
    only in the platform's own workspace)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise field_error(
            422,
            "validation",
            "scopes",
            f"choose one or more of {', '.join(SCOPES)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
        )
    if set(scopes) & set(ADMIN_SCOPES) and user.role not in ADMIN_ROLES:
        raise field_error(
            403, "admin-only", "scopes", "only admins and owners can create admin or platform keys"
        )
    if "platform" in scopes and tenant_slug != PLATFORM_TENANT:
        raise field_error(
            403, "platform-only", "scopes", "platform keys are created in the platform's own workspace"
        )
    if expires_at is not None and expires_at <= utcnow():
        raise field_error(422, "validation", "expires_at", "must be in the future")
    new = generate_api_key()
    row = ApiKey(
        id=new.id,
        user_id=user.id,
        name=name.strip(),
        secret_hash=sha256_hex(new.secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    s.add(row)
    s.flush()
    return row, new.plaintext


def rotate_api_key(
    s: Session, *, key: ApiKey, user: User, overlap: timedelta, tenant_slug: str
) -> tuple[ApiKey, str]:
    """A new key with the same name, scopes and expiry; the old one keeps working for `overlap`."""
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise Problem(409, "key-inactive", "This key is revoked or expired; create a new one instead.")
    new, plaintext = create_api_key(
        s,
        user=user,
        name=key.name,
        scopes=list(key.scopes),
        expires_at=key.expires_at,
        tenant_slug=tenant_slug,
    )
    end = now + overlap
    key.expires_at = end if key.expires_at is None else min(key.expires_at, end)
    return new, plaintext


def user_for_supabase_claims(s: Session, claims: dict[str, Any]) -> User:
    """Map a Supabase `sub` to our user, creating it on first sight (just-in-time provisioning)."""
    sub = str(claims["sub"])
    user = s.execute(select(User).where(User.supabase_sub == sub)).scalar_one_or_none()
    if user is not None:
        return user
    email = normalise_email(str(claims.get("email") or f"{sub}@supabase.invalid"))
    # No silent linking to an existing password account by email: that would let whoever controls
    # the Supabase project take over accounts. create_user answers 409 for a taken email.
    user = create_user(s, email=email, password=None, display_name=email.split("@")[0])
    user.supabase_sub = sub
    return user


# --- forgot password -------------------------------------------------------------------------


def request_password_reset(s: Session, *, email: str) -> tuple[User, str] | None:
    """A new reset token for the active account with this email (None when there is none).

    Only its SHA-256 is stored; earlier unused links of the user stop working, so the newest
    email is the one that counts."""
    user = s.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    if user is None or not user.is_active:
        return None
    now = utcnow()
    s.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = new_token()
    s.add(PasswordReset(token_hash=sha256_hex(token), user_id=user.id, expires_at=now + RESET_TTL))
    s.flush()
    return user, token


def reset_password(s: Session, *, token: str, password: str) -> User:
    """Set a new password with a reset token: once, before it expires; every session of the user
    ends (the caller starts a fresh one)."""
    now = utcnow()
    token_hash = sha256_hex(token)
    row = s.get(PasswordReset, token_hash)
    claimed = s.execute(  # the conditional update is the single-use check, also under a race
        update(PasswordReset)
        .where(
            PasswordReset.token_hash == token_hash,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user = s.get(User, row.user_id) if row is not None else None
    if claimed.rowcount != 1 or user is None or not user.is_active:  # type: ignore[attr-defined]
        raise field_error(
            422,
            "invalid-token",
            "token",
            "This reset link is invalid, expired or already used; ask for a new one.",
        )
    user.password_hash = hash_password(password)
    s.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


# --- invitations -----------------------------------------------------------------------------


def create_invite(s: Session, *, email: str, role: str, invited_by: str) -> tuple[Invite, str]:
    """Invite an email address to the session's tenant; returns the row and the link's token.

    A pending invite of the same address is withdrawn (the newest link counts); 409 when the
    address already has an account here."""
    if role not in INVITE_ROLES:
        raise field_error(422, "validation", "role", f"must be one of {', '.join(INVITE_ROLES)}")
    email = normalise_email(email)
    if s.execute(select(User.id).where(User.email == email)).first():
        raise field_error(
            409, "already-member", "email", "this address already has an account in this workspace"
        )
    now = utcnow()
    s.execute(
        update(Invite)
        .where(Invite.email == email, Invite.accepted_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = new_token()
    row = Invite(
        token_hash=sha256_hex(token),
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=now + INVITE_TTL,
    )
    s.add(row)
    s.flush()
    return row, token


def pending_invite(s: Session, *, token: str) -> Invite:
    """The open invite this token names in this tenant; one of another tenant is not found here."""
    row = s.execute(select(Invite).where(Invite.token_hash == sha256_hex(token))).scalar_one_or_none()
    if row is None or row.accepted_at or row.revoked_at or row.expires_at <= utcnow():
        raise field_error(
            422,
            "invalid-invite",
            "token",
            "This invite link is invalid, expired, already used or withdrawn, or it belongs to "
            "another workspace; ask an admin for a new one.",
        )
    return row


def accept_invite(s: Session, *, invite: Invite, password: str, display_name: str | None) -> User:
    """Join the tenant with a pending invite (`pending_invite`): a new account with the invited
    email and role, or, when that email already has one here, a sign-in with its password (an admin
    invite raises a member)."""
    user = s.execute(select(User).where(User.email == invite.email)).scalar_one_or_none()
    if user is not None:
        if authenticate(s, email=invite.email, password=password) is None:
            raise Problem(
                401, "invalid-credentials", "This email already has an account: enter its password."
            )
        if invite.role == "admin" and user.role == "member":
            user.role = "admin"
    else:
        if len(password) < 10:
            raise field_error(422, "validation", "password", "at least 10 characters")
        name = (display_name or "").strip() or invite.email.split("@")[0]
        user = create_user(s, email=invite.email, password=password, display_name=name, role=invite.role)
        user.last_login_at = utcnow()
    claimed = s.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.accepted_at.is_(None), Invite.revoked_at.is_(None))
        .values(accepted_at=utcnow(), accepted_user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Problem(409, "invite-used", "This invite was used or withdrawn a moment ago.")
    return user


def revoke_invite(s: Session, *, invite_id: str) -> None:
    row = s.get(Invite, invite_id)
    if row is None or row.accepted_at is not None:
        raise not_found("Invite")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
