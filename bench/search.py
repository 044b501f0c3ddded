"""Benchmark of the order search (issue 13 §1) at 1,000,000 orders. A script, not a test: it prints numbers beside
the target and asserts nothing about timing.

    .venv/bin/python bench/search.py [--total 1000000] [--customers 300000] [--runs 30] [--reuse]

Target: p95 ≤ 100 ms for a search — a last-4-digits query, a full number, a customer name and content words — as a
front-line user (one hall) and as a dispatcher (branch level: sees every order).

What it does:
  1. drops and recreates the database of BENCH_SEARCH_DATABASE_URL (default
     postgres://postgres@127.0.0.1:5432/workorders_search_bench; its name must contain "bench"), migrates (the
     GIN indexes of tickets 0011 and 0017 included), loads reference and demo data;
  2. inserts --customers customers (Chinese names) and --total orders by INSERT … SELECT generate_series in
     batches of 100,000 (accepted over 720 days in the order of their ids, as a real table fills; numbers,
     three halls and the hotline accepting, 30 % open, 2 phrases of request text
     each from a vocabulary of 60) with the search's GIN indexes dropped, builds them, then VACUUM ANALYZE;
  3. times POST /api/v1/search/ in-process (Django test Client, DEBUG off) --runs times per query and user after
     one warm-up: the whole request — the ranked hits, the page's rows and clocks, serialization;
  4. prints p50/p95/max per query and user, and EXPLAIN (ANALYZE, BUFFERS) of the queries of the slowest.
About 5 minutes on 2 CPUs (most of it the data and the indexes)."""

import argparse
import io
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/workorders_search_bench"
ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-not-secret",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
    "CELERY_BROKER_URL": "memory://localhost/",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}
TARGET_P95_MS = 100.0
BATCH = 100_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文慧玲晓燕雪梅海波宁欣怡宇浩然"
PHRASES = (  # noqa: SIM905 (one string: CJK text is too wide for a list literal within 120 columns)
    "手机经常掉线|家里宽带晚上网速很慢|话费被多扣了二十元|套餐变更后资费不对|营业厅排队时间太长|"
    "充值卡被盗用|流量包没有生效|国际漫游费用异常|信号差无法通话|短信验证码收不到|"
    "宽带安装师傅迟到|积分兑换失败|携号转网被拒绝|销户后仍然扣费|宽带报装一直没人联系|"
    "来电显示业务未开通|彩铃扣费不知情|账单明细看不懂|营业员态度不好|网上营业厅无法登录|"
    "副卡无法使用|套餐到期未提醒|停机后无法复机|光猫经常重启|IPTV 画面卡顿|"
    "5G 信号覆盖不好|月租费上涨未告知|话费发票开不出来|实名认证失败|补卡需要多次跑腿|"
    "亲情号码设置不成功|宽带续费价格太高|投诉后没人回复|客服电话打不通|流量超额扣费过高|"
    "SP 业务被误订购|家庭网成员无法添加|异地补卡被拒|电子发票邮箱收不到|预存话费未到账|"
    "合约机返费未到|宽带提速没有效果|夜间基站维护导致断网|号码被冒名办理|老人机无法上网|"
    "营业厅不给办理退订|短信轰炸骚扰|骚扰电话太多|话费余额提醒不准|宽带移机周期太长|"
    "套餐内通话分钟数少算|国际长途资费过高|物联网卡停用|校园卡资费争议|代理商办理业务未告知|"
    "选号费用不合理|靓号协议期限争议|免费体验到期自动扣费|积分清零未通知|上门维修预约时间不准"
).split("|")
QUERIES = [
    ("last 4 digits", "suffix"),
    ("full number", "number"),
    ("customer name", "name"),
    ("content, 2 characters (掉线)", "掉线"),
    ("content, 4 characters (充值卡被)", "充值卡被"),
    ("content, rare (物联网卡)", "物联网卡"),
    ("content, 2 characters, common (宽带)", "宽带"),
    ("content, nobody wrote it (卫星电话)", "卫星电话"),
]
USERS = ("front_line", "dispatcher")


def say(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def database_recreate(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlparse(url)
    admin = psycopg2.connect(
        dbname="postgres", host=parts.hostname or "localhost", port=parts.port or 5432,
        user=unquote(parts.username or ""), password=unquote(parts.password or ""),
    )  # fmt: skip
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            name = sql.Identifier(parts.path.lstrip("/"))
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        admin.close()


def execute(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def sql_array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def pick(array: str, n: int) -> str:
    return f"({array})[1 + floor(random() * {n})::int]"


def customers_fill(count: int) -> None:
    """Customers 1395000001… with a surname and a one- or two-character given name."""
    surnames, given = sql_array(SURNAMES), sql_array(GIVEN)
    for start in range(1, count + 1, BATCH):
        stop = min(count, start + BATCH - 1)
        execute(
            f"""INSERT INTO complaints_customer (number, name, tier, brand, home_city, contact_numbers, created_at)
            SELECT '1395' || lpad(g::text, 7, '0'),
                   {pick(surnames, len(SURNAMES))} || {pick(given, len(GIVEN))}
                     || CASE WHEN random() < 0.6 THEN {pick(given, len(GIVEN))} ELSE '' END,
                   'ordinary', '全球通', '深圳', '[]'::jsonb, now()
            FROM generate_series(%s, %s) g""",
            [start, stop],
        )


def orders_fill(total: int, customers: int) -> None:
    """`total` orders by SQL, every column the model has (defaults for the ones a search does not read)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from complaints.models import ComplaintCategory, SkillGroup
    from org.models import OrgUnit
    from tickets.models import OrderState, WorkOrder

    users = {u.username: u.id for u in get_user_model().objects.filter(username__in=[*USERS, "duty_staff", "handler"])}
    units = {u.code: u.id for u in OrgUnit.objects.filter(code__in=["hall-huaqiang", "hall-zhuzilin", "cs-centre",
                                                                        "dept-billing"])}  # fmt: skip
    active_child = ComplaintCategory.objects.filter(parent=OuterRef("pk"), is_active=True)
    leaves = list(
        ComplaintCategory.objects.filter(is_active=True).exclude(Exists(active_child)).values_list("id", flat=True)
    )
    skill_group = SkillGroup.objects.get(city="深圳").id
    open_states = sql_array(OrderState.open_states())
    phrases = sql_array(PHRASES)
    # (accepting unit, accepted by) of the three counters; the handler's unit takes dispatched orders
    acceptors = [(units["hall-huaqiang"], users["front_line"]), (units["hall-zhuzilin"], users["duty_staff"]),
                 (units["cs-centre"], users["dispatcher"])]  # fmt: skip
    acceptor_units = "ARRAY[" + ",".join(str(u) for u, _ in acceptors) + "]"
    acceptor_users = "ARRAY[" + ",".join(str(p) for _, p in acceptors) + "]"
    leaf_ids = "ARRAY[" + ",".join(map(str, leaves)) + "]"
    expressions = {
        "number": "'TS2025' || lpad(p.g::text, 8, '0')",
        "order_type": "'complaint'",
        "state": f"CASE WHEN p.r < 0.3 THEN {pick(open_states, len(OrderState.open_states()))} ELSE 'closed' END",
        "channel": "'phone'",
        "urgency": "'normal'",
        "handling_method": "'transfer'",
        "customer_id": "c.id",
        "accepted_number": "c.number",
        "contact_number": "CASE WHEN p.r2 < 0.1 THEN '1386' || lpad(mod(p.g, 10000000)::text, 7, '0') ELSE '' END",
        "category_id": pick(leaf_ids, len(leaves)),
        "content": f"'客户反映' || {pick(phrases, len(PHRASES))} || '，' || {pick(phrases, len(PHRASES))} || '。'",
        "origin": "'hall'",
        "skill_group_id": str(skill_group),
        "accepting_unit_id": f"({acceptor_units})[p.a]",
        "accepted_by_id": f"({acceptor_users})[p.a]",
        "handling_unit_id": f"CASE WHEN p.r < 0.03 THEN NULL ELSE {units['dept-billing']} END",
        "assignee_id": f"CASE WHEN p.r < 0.06 THEN NULL ELSE {users['handler']} END",
        "received_at": "p.at - interval '5 minutes'",
        "accepted_at": "p.at",
        "dispatched_at": "CASE WHEN p.r < 0.03 THEN NULL ELSE p.at + interval '20 minutes' END",
        "closed_at": "CASE WHEN p.r < 0.3 THEN NULL ELSE p.at + interval '3 days' END",
        "cycle": "1",
        "updated_at": "p.at",
    }
    columns, values = [], []
    for field in WorkOrder._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.attname in expressions:
            values.append(expressions[field.attname])
        elif field.null:
            values.append("NULL")
        else:
            default = field.get_default()
            if isinstance(default, bool):
                values.append("true" if default else "false")
            elif isinstance(default, int):
                values.append(str(default))
            elif isinstance(default, dict | list):
                values.append("'{}'::jsonb" if isinstance(default, dict) else "'[]'::jsonb")
            else:
                values.append("''" if default in ("", None) else f"'{default}'")
    insert = f"""INSERT INTO tickets_workorder ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM (SELECT g, random() AS r, random() AS r2, 1 + floor(random() * 3)::int AS a,
                     1 + floor(random() * %s)::int AS k,
                     now() - (%s - g) * interval '720 days' / %s - random() * interval '1 hour' AS at
              FROM generate_series(%s, %s) g) p
        JOIN complaints_customer c ON c.number = '1395' || lpad(p.k::text, 7, '0')"""
    for start in range(1, total + 1, BATCH):
        t0 = time.perf_counter()
        execute(insert, [customers, total, total, start, min(total, start + BATCH - 1)])
        say(f"  orders {min(total, start + BATCH - 1):,} ({time.perf_counter() - t0:.1f} s)")


def terms() -> dict[str, str]:
    """Real values from the data: the last 4 digits and the full number of a customer with a few orders, the
    name of a customer."""
    from tickets.models import WorkOrder

    sample = WorkOrder.objects.filter(accepted_number__startswith="1395").order_by("-id").values("accepted_number")[0]
    from complaints.models import Customer

    named = Customer.objects.filter(number__startswith="1395").order_by("id").values_list("name", flat=True)[1234]
    return {"suffix": sample["accepted_number"][-4:], "number": sample["accepted_number"], "name": named}


def explain(user, text: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of each query the search for `text` runs for the hits (one per kind of match, the
    words of the request one per window of time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets.search import order_search_best, search_term_parse

    with CaptureQueriesContext(connection) as captured:
        order_search_best(user=user, term=search_term_parse(text))
    out = []
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            out.append(f"-- {query['sql'][:300]}\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return "\n".join(out)


def search_indexes(create: bool) -> None:
    """Drop the search's GIN indexes before the bulk load and build them after: maintaining them row by row triples
    the load. The numbers' trigram indexes of tickets 0011 and the content's bigram index of tickets 0017 (which
    drops 0011's trigram index of the content)."""
    import importlib

    trigrams = importlib.import_module("tickets.migrations.0011_search_trigram").INDEXES
    bigrams = importlib.import_module("tickets.migrations.0017_search_bigrams")
    for name, column in trigrams.items():
        if name == bigrams.TRIGRAM_INDEX:
            continue
        if create:
            execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets_workorder USING gin ({column} gin_trgm_ops)")
        else:
            execute(f"DROP INDEX IF EXISTS {name}")
    if create:
        execute(bigrams.INDEX_SQL.replace(" CONCURRENTLY", ""))
    else:
        execute(f"DROP INDEX IF EXISTS {bigrams.INDEX_NAME}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it holds --total orders")
    args = parser.parse_args()
    db_url = os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_DB)
    name = urlparse(db_url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to use database {name!r}: a bench database's name must contain 'bench'")
    var_dir = tempfile.mkdtemp(prefix="workorders-search-bench-")
    (Path(var_dir) / "static").mkdir()
    os.environ.update({**ENV, "DATABASE_URL": db_url, "WORKORDERS_VAR_DIR": var_dir})
    if not args.reuse:
        say(f"database {name}: dropping and recreating")
        database_recreate(db_url)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from tickets.models import WorkOrder

    call_command("migrate", interactive=False, verbosity=0, stdout=io.StringIO())
    if not (args.reuse and WorkOrder.objects.count() >= args.total):
        t0 = time.perf_counter()
        call_command("load_reference_data", stdout=io.StringIO())
        call_command("load_demo_data", stdout=io.StringIO())
        customers_fill(args.customers)
        say(f"reference + demo data and {args.customers:,} customers in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        search_indexes(create=False)
        orders_fill(args.total, args.customers)
        say(f"{args.total:,} orders in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        search_indexes(create=True)
        say(f"search indexes (tickets 0011, 0017) built in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        execute("VACUUM ANALYZE")
        say(f"VACUUM ANALYZE in {time.perf_counter() - t0:.1f} s")
    say(f"{WorkOrder.objects.count():,} orders; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")

    values = terms()
    User = get_user_model()
    clients = {}
    for username in USERS:
        clients[username] = Client(HTTP_ACCEPT_LANGUAGE="en")
        clients[username].force_login(User.objects.get(username=username))
    rows, slowest = [], (0.0, None, None)
    for label, term in QUERIES:
        text = values.get(term, term)
        for username in USERS:
            client = clients[username]
            times, count = [], 0
            for run in range(args.runs + 1):
                t0 = time.perf_counter()
                response = client.post("/api/v1/search/", {"q": text}, content_type="application/json")
                elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{label} as {username}: {response.status_code} {response.content[:300]!r}")
                if run:
                    times.append(elapsed)
                count = response.json()["count"]
            p50, p95 = percentile(times, 50), percentile(times, 95)
            rows.append((label, username, count, p50, p95, max(times)))
            if p95 > slowest[0]:
                slowest = (p95, username, text)
    say(f"\nPOST /api/v1/search/, {args.runs} runs each after a warm-up (target p95 ≤ {TARGET_P95_MS:.0f} ms)")
    say(f"{'query':34} {'user':11} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, username, count, p50, p95, top in rows:
        mark = "" if p95 <= TARGET_P95_MS else "  ← over target"
        say(f"{label:34} {username:11} {count:5} {p50:8.1f} {p95:8.1f} {top:8.1f}{mark}")
    p95, username, text = slowest
    say(f"\nslowest: {text!r} as {username} (p95 {p95:.1f} ms); EXPLAIN (ANALYZE, BUFFERS) of its queries:")
    say(explain(User.objects.get(username=username), text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
