"""The gateway's refusals: servicekit.domain.DomainError kinds, each with a stable code, an HTTP
status and zh/en messages; the kit (and the proxy's own `send_error`) renders them."""

from __future__ import annotations

from servicekit.domain import Conflict, DomainError, Invalid, Unauthorized, Unavailable


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message_zh = "用户名或密码错误"
    message_en = "Wrong username or password"


class TokenExpired(Unauthorized):
    code = "token_expired"
    message_zh = "登录已过期"
    message_en = "Token expired"


class TokenInvalid(Unauthorized):
    code = "token_invalid"
    message_zh = "令牌无效"
    message_en = "Invalid token"


class TokenRevoked(Unauthorized):
    code = "token_revoked"
    message_zh = "登录已失效，请重新登录"
    message_en = "This session has ended; please log in again"


class TooManyLoginAttempts(DomainError):
    status_code = 429
    code = "too_many_login_attempts"
    message_zh = "登录失败次数过多，请稍后再试"
    message_en = "Too many failed logins, please try again later"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    message_zh = "请求过于频繁，请稍后再试"
    message_en = "Too many requests, please slow down"


class UsernameTaken(Conflict):
    code = "username_taken"
    message_zh = "用户名已存在"
    message_en = "This username is taken"


class UnknownRole(Invalid):
    code = "unknown_role"
    message_zh = "角色不存在"
    message_en = "Unknown role"


class ApiKeyRoleRefused(Invalid):
    code = "api_key_role_refused"
    message_zh = "API 密钥不能拥有管理员角色"
    message_en = "An API key cannot carry the admin role"


class InvalidApiKey(Unauthorized):
    code = "invalid_api_key"
    message_zh = "API 密钥无效"
    message_en = "Invalid API key"


class UnknownScope(Invalid):
    code = "unknown_scope"
    message_zh = "API 密钥的授权范围无效"
    message_en = "Unknown API key scope"


class ServiceUnavailable(Unavailable):
    code = "service_unavailable"
    message_zh = "服务暂不可用，请稍后重试"
    message_en = "The service is unavailable, please retry"


class OutcomeUnknown(DomainError):
    """The service took the request and failed before answering: it may have applied it."""

    status_code = 502
    code = "upstream_outcome_unknown"
    message_zh = "服务未应答，请求可能已生效也可能未生效：请先查看结果再决定是否重新提交"
    message_en = (
        "The service did not answer: the request may or may not have been applied. "
        "Check before sending it again"
    )


class OutcomeUnknownRetrySafe(OutcomeUnknown):
    """As OutcomeUnknown, but the request carries an Idempotency-Key: repeating it is safe."""

    status_code = 503
    retry_after = 1
    message_zh = "服务未应答，请求可能已生效：请使用同一幂等键（Idempotency-Key）重试，至多生效一次"
    message_en = (
        "The service did not answer: the request may have been applied. Retry it with the same "
        "Idempotency-Key, which applies it at most once"
    )
