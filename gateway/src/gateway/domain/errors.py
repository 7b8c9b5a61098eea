"""The gateway's business errors, each with a stable code and zh/en messages."""

from __future__ import annotations

from servicekit.errors import AppError, Conflict, Invalid, Unauthorized, Unavailable


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message_zh = "用户名或密码错误"
    message_en = "Wrong username or password"


class TooManyLoginAttempts(AppError):
    status_code = 429
    code = "too_many_login_attempts"
    message_zh = "登录失败次数过多，请稍后再试"
    message_en = "Too many failed logins, please try again later"


class RateLimited(AppError):
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


class InvalidApiKey(Unauthorized):
    code = "invalid_api_key"
    message_zh = "API 密钥无效"
    message_en = "Invalid API key"


class ServiceUnavailable(Unavailable):
    code = "service_unavailable"
    message_zh = "服务暂不可用，请稍后重试"
    message_en = "The service is unavailable, please retry"
