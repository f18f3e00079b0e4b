/* A small, strict JSON reader (RFC 8259) for safetensors headers: objects,
 * arrays, strings with every escape (surrogate pairs included), numbers,
 * true/false/null. It builds a tree of cnnrt_json nodes. Input is untrusted,
 * so it validates UTF-8, bounds nesting depth (no stack exhaustion) and never
 * reads past `len`. It does not use strtod: that depends on the process
 * locale, which a host application may have changed. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { JSON_MAX_DEPTH = 64 };

typedef struct {
  const unsigned char *s;
  size_t len, pos;
  char *err;
  size_t err_size;
} parser;

static int fail(parser *p, const char *fmt, ...) CNNRT_PRINTF_LIKE(2, 3);
static int fail(parser *p, const char *fmt, ...) {
  int w = snprintf(p->err, p->err_size, "at byte %zu: ", p->pos);
  if (w >= 0 && (size_t)w < p->err_size) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(p->err + w, p->err_size - (size_t)w, fmt, args);
    va_end(args);
  }
  return -1;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
    ++p->pos;
}

static int parse_value(parser *p, cnnrt_json *out, int depth);

/* Growable byte buffer for decoding strings. */
typedef struct {
  char *data;
  size_t len, cap;
} strbuf;

static int sb_put(strbuf *b, const void *bytes, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 32;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown)
      return -1;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, bytes, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

static int hex4(parser *p, unsigned *out) {
  if (p->len - p->pos < 4)
    return fail(p, "truncated \\u escape");
  unsigned v = 0;
  for (int k = 0; k < 4; ++k) {
    unsigned char c = p->s[p->pos + (size_t)k];
    unsigned d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10u;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10u;
    else
      return fail(p, "bad hex digit in \\u escape");
    v = v * 16 + d;
  }
  p->pos += 4;
  *out = v;
  return 0;
}

/* Length of the well-formed UTF-8 sequence at s[0..avail), or 0 if it is
 * malformed (overlong forms, surrogates and values above U+10FFFF are). */
static size_t utf8_length(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  size_t n;
  unsigned cp, min;
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0)
    n = 2, cp = c & 0x1Fu, min = 0x80;
  else if ((c & 0xF0) == 0xE0)
    n = 3, cp = c & 0x0Fu, min = 0x800;
  else if ((c & 0xF8) == 0xF0)
    n = 4, cp = c & 0x07u, min = 0x10000;
  else
    return 0;
  if (avail < n)
    return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((s[k] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[k] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

static size_t utf8_encode(unsigned cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Parses a string starting at the opening quote; on success *out owns a
 * NUL-terminated buffer of *out_len bytes. */
static int parse_string(parser *p, char **out, size_t *out_len) {
  strbuf b = {NULL, 0, 0};
  ++p->pos; /* opening quote */
  if (sb_put(&b, "", 0) != 0)
    goto oom;
  for (;;) {
    if (p->pos >= p->len) {
      fail(p, "unterminated string");
      goto error;
    }
    unsigned char c = p->s[p->pos];
    if (c == '"') {
      ++p->pos;
      *out = b.data;
      *out_len = b.len;
      return 0;
    }
    if (c < 0x20) {
      fail(p, "control character 0x%02x in string", c);
      goto error;
    }
    if (c != '\\') {
      /* Copy the longest run of plain bytes at once. */
      size_t start = p->pos;
      while (p->pos < p->len && p->s[p->pos] != '"' && p->s[p->pos] != '\\' &&
             p->s[p->pos] >= 0x20) {
        size_t n = utf8_length(p->s + p->pos, p->len - p->pos);
        if (n == 0) {
          fail(p, "invalid UTF-8 in string");
          goto error;
        }
        p->pos += n;
      }
      if (sb_put(&b, p->s + start, p->pos - start) != 0)
        goto oom;
      continue;
    }
    if (++p->pos >= p->len) {
      fail(p, "unterminated string");
      goto error;
    }
    char e = (char)p->s[p->pos++];
    static const char escapes[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
    const char *simple = e ? strchr(escapes, e) : NULL;
    if (simple) {
      if (sb_put(&b, &decoded[simple - escapes], 1) != 0)
        goto oom;
      continue;
    }
    if (e != 'u') {
      --p->pos;
      fail(p, "invalid escape '\\%c'", e);
      goto error;
    }
    unsigned cp, lo;
    if (hex4(p, &cp) != 0)
      goto error;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      fail(p, "lone low surrogate in \\u escape");
      goto error;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      /* A high surrogate must be followed by an escaped low one. */
      if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
          p->s[p->pos + 1] != 'u') {
        fail(p, "lone high surrogate in \\u escape");
        goto error;
      }
      p->pos += 2;
      if (hex4(p, &lo) != 0)
        goto error;
      if (lo < 0xDC00 || lo > 0xDFFF) {
        fail(p, "high surrogate not followed by a low surrogate");
        goto error;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    char utf8[4];
    if (sb_put(&b, utf8, utf8_encode(cp, utf8)) != 0)
      goto oom;
  }
oom:
  fail(p, "out of memory");
error:
  free(b.data);
  return -1;
}

/* 10^e for 0 <= e, by binary powering (exact up to 10^22). */
static double pow10_pos(int e) {
  double result = 1.0, base = 10.0;
  while (e > 0) {
    if (e & 1)
      result *= base;
    base *= base;
    e >>= 1;
  }
  return result;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Numbers follow the JSON grammar exactly (no leading zeros, '+', '.5',
 * NaN or Infinity). Integers are kept exact in int64 when they fit; other
 * values are computed from up to 19 significant digits, accurate to a few
 * ulp, which suffices for headers whose numbers are sizes and offsets. */
static int parse_number(parser *p, cnnrt_json *out) {
  int negative = 0, exact = 1;
  uint64_t mantissa = 0;
  int dropped = 0; /* digits beyond what mantissa can hold */
  int scale = 0;   /* decimal exponent to apply to mantissa */
  if (p->s[p->pos] == '-') {
    negative = 1;
    ++p->pos;
  }
  if (p->pos >= p->len || !is_digit(p->s[p->pos]))
    return fail(p, "invalid number");
  if (p->s[p->pos] == '0' && p->pos + 1 < p->len && is_digit(p->s[p->pos + 1]))
    return fail(p, "leading zero in number");
  while (p->pos < p->len && is_digit(p->s[p->pos])) {
    unsigned d = p->s[p->pos++] - '0';
    if (mantissa <= (UINT64_MAX - 9) / 10)
      mantissa = mantissa * 10 + d;
    else
      ++dropped, exact = 0;
  }
  if (p->pos < p->len && p->s[p->pos] == '.') {
    exact = 0;
    ++p->pos;
    if (p->pos >= p->len || !is_digit(p->s[p->pos]))
      return fail(p, "digit expected after '.'");
    while (p->pos < p->len && is_digit(p->s[p->pos])) {
      unsigned d = p->s[p->pos++] - '0';
      if (mantissa <= (UINT64_MAX - 9) / 10) {
        mantissa = mantissa * 10 + d;
        --scale;
      }
    }
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    exact = 0;
    ++p->pos;
    int exp_negative = 0, exp = 0;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
      exp_negative = p->s[p->pos++] == '-';
    if (p->pos >= p->len || !is_digit(p->s[p->pos]))
      return fail(p, "digit expected in exponent");
    while (p->pos < p->len && is_digit(p->s[p->pos])) {
      if (exp < 100000) /* saturate; the result is 0 or inf anyway */
        exp = exp * 10 + (p->s[p->pos] - '0');
      ++p->pos;
    }
    scale += exp_negative ? -exp : exp;
  }
  scale += dropped;
  out->type = CNNRT_JSON_NUMBER;
  double value = (double)mantissa;
  if (scale > 0)
    value *= scale > 400 ? 1e300 * 1e300 : pow10_pos(scale);
  else if (scale < 0) {
    /* Divide in two steps so that 10^-scale itself stays finite. */
    int s = -scale;
    if (s > 300) {
      value /= pow10_pos(300);
      s -= 300;
    }
    value = s > 400 ? 0.0 : value / pow10_pos(s);
  }
  out->num = negative ? -value : value;
  if (exact && (negative ? mantissa <= (uint64_t)INT64_MAX + 1
                         : mantissa <= (uint64_t)INT64_MAX)) {
    out->is_int = 1;
    out->i = negative ? (int64_t)(0 - mantissa) : (int64_t)mantissa;
  }
  return 0;
}

static int literal(parser *p, const char *word, cnnrt_json_type type,
                   cnnrt_json *out) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
    return fail(p, "invalid literal (expected '%s')", word);
  p->pos += n;
  out->type = type;
  return 0;
}

/* Appends a zeroed node to (*items, *n), growing by doubling. */
static cnnrt_json *push_item(cnnrt_json **items, size_t *n, size_t *cap) {
  if (*n == *cap) {
    size_t grown_cap = *cap ? *cap * 2 : 4;
    cnnrt_json *grown = realloc(*items, grown_cap * sizeof **items);
    if (!grown)
      return NULL;
    *items = grown;
    *cap = grown_cap;
  }
  cnnrt_json *item = &(*items)[(*n)++];
  memset(item, 0, sizeof *item);
  return item;
}

/* Parses an array or object (they differ only in the keys). */
static int parse_container(parser *p, cnnrt_json *out, int depth) {
  int is_object = p->s[p->pos] == '{';
  char close = is_object ? '}' : ']';
  size_t cap = 0;
  out->type = is_object ? CNNRT_JSON_OBJECT : CNNRT_JSON_ARRAY;
  if (depth >= JSON_MAX_DEPTH)
    return fail(p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
  ++p->pos;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == close) {
    ++p->pos;
    return 0;
  }
  for (;;) {
    cnnrt_json *item = push_item(&out->items, &out->n, &cap);
    if (!item)
      return fail(p, "out of memory");
    skip_ws(p);
    if (is_object) {
      if (p->pos >= p->len || p->s[p->pos] != '"')
        return fail(p, "object key (a string) expected");
      if (parse_string(p, &item->key, &item->key_len) != 0)
        return -1;
      skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':')
        return fail(p, "':' expected after object key");
      ++p->pos;
      skip_ws(p);
    }
    if (parse_value(p, item, depth + 1) != 0)
      return -1;
    skip_ws(p);
    if (p->pos >= p->len)
      return fail(p, "unterminated %s", is_object ? "object" : "array");
    if (p->s[p->pos] == close) {
      ++p->pos;
      return 0;
    }
    if (p->s[p->pos] != ',')
      return fail(p, "',' or '%c' expected", close);
    ++p->pos;
  }
}

static int parse_value(parser *p, cnnrt_json *out, int depth) {
  skip_ws(p);
  if (p->pos >= p->len)
    return fail(p, "value expected");
  switch (p->s[p->pos]) {
  case '{':
  case '[':
    return parse_container(p, out, depth);
  case '"':
    out->type = CNNRT_JSON_STRING;
    return parse_string(p, &out->str, &out->len);
  case 't':
    return literal(p, "true", CNNRT_JSON_TRUE, out);
  case 'f':
    return literal(p, "false", CNNRT_JSON_FALSE, out);
  case 'n':
    return literal(p, "null", CNNRT_JSON_NULL, out);
  default:
    if (p->s[p->pos] == '-' || is_digit(p->s[p->pos]))
      return parse_number(p, out);
    if (p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7F)
      return fail(p, "unexpected character '%c'", p->s[p->pos]);
    return fail(p, "unexpected byte 0x%02x", p->s[p->pos]);
  }
}

int cnnrt_json_parse(const char *text, size_t len, cnnrt_json *out, char *err,
                     size_t err_size) {
  parser p = {(const unsigned char *)text, len, 0, err, err_size};
  memset(out, 0, sizeof *out);
  if (err_size)
    err[0] = '\0';
  if (parse_value(&p, out, 0) == 0) {
    skip_ws(&p);
    if (p.pos == p.len)
      return 0;
    fail(&p, "unexpected data after the JSON value");
  }
  /* Partially built trees are well formed (zeroed nodes), so free them. */
  cnnrt_json_free(out);
  return -1;
}

void cnnrt_json_free(cnnrt_json *v) {
  if (!v)
    return;
  /* A node's key is owned by its parent, which frees it here; the caller
   * owns the root, whose key is always NULL. */
  for (size_t k = 0; k < v->n; ++k) {
    free(v->items[k].key);
    cnnrt_json_free(&v->items[k]);
  }
  free(v->items);
  free(v->str);
  memset(v, 0, sizeof *v);
}

const cnnrt_json *cnnrt_json_get(const cnnrt_json *obj, const char *key) {
  if (!obj || obj->type != CNNRT_JSON_OBJECT)
    return NULL;
  size_t n = strlen(key);
  for (size_t k = 0; k < obj->n; ++k)
    if (obj->items[k].key_len == n && memcmp(obj->items[k].key, key, n) == 0)
      return &obj->items[k];
  return NULL;
}
