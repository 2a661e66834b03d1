#!/usr/bin/env python3
"""Checks the DOM that headless Chromium dumped after running page.html.

usage: check.py DOM_FILE PAGE_ORIGIN API_ORIGIN [SERVER_LOG]

Reads the text of <pre id="log"> and <title> (HTML entities decoded, so a comment read back as
`&lt;b&gt;` would show as such and fail), and requires every expected line. With SERVER_LOG (the
cms log in LOG_FORMAT=json) it also checks, from the server's side, that the browser sent CORS
preflights and got a 304. Exit status 0 when all holds, 1 otherwise, with the reasons on stdout.
"""
import json
import re
import sys
from html.parser import HTMLParser

# Must match COMMENT_BODY and COMMENT_NAME in page.html.
COMMENT_BODY = '<b>bold</b> & "quotes" 2026\'nın'
COMMENT_NAME = 'Zeynep <i>Öztürk</i> & "co"'


class Extract(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.title = ''
        self.log = ''

    def handle_starttag(self, tag, attrs):
        if tag == 'title':
            self.stack.append('title')
        elif tag == 'pre' and dict(attrs).get('id') == 'log':
            self.stack.append('log')
        else:
            self.stack.append(None)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        where = next((s for s in reversed(self.stack) if s), None)
        if where == 'title':
            self.title += data
        elif where == 'log':
            self.log += data


def main():
    dom_file, page_origin, api_origin = sys.argv[1:4]
    server_log = sys.argv[4] if len(sys.argv) > 4 else None
    with open(dom_file, encoding='utf-8') as f:
        dom = f.read()
    x = Extract()
    x.feed(dom)
    x.close()
    lines = x.log.splitlines()

    expected = [
        ('exact', f'OK origin page={page_origin} api={api_origin} (cross-origin)'),
        ('regex', r'OK list \d+ articles, [1-9]\d* in French \(meta\.total=\d+\)'),
        ('exact', 'OK link header readable with rel="next"'),
        ('regex', r'OK open \S+ etag="[^"]+"'),
        ('exact', 'OK revalidate 304 with cache: no-store and If-None-Match'),
        ('exact', 'OK revalidate 304 with cache: default and If-None-Match'),
        ('exact', 'OK revalidate 200 with a different ETag'),
        ('exact', 'OK errors readable cross-origin: 404 and 401 as problem+json'),
        ('regex', r'OK visitor token visitor_id=\d+'),
        ('regex', r'OK react love \(.+\): mine=love total \d+->\d+'),
        ('regex', r'OK comment posted id=\d+ status=pending'),
        ('regex', r'OK comment retry with the same Idempotency-Key answered id=\d+'),
        ('exact', 'OK comment status=pending in /me/comments'),
        ('exact', 'OK comment as typed: ' + COMMENT_BODY),
        ('exact', 'OK comment name as typed: ' + COMMENT_NAME),
        ('exact', 'OK comment body_html renders as typed: ' + COMMENT_BODY),
        ('exact', 'OK thread hides the pending comment'),
        ('exact', 'OK thread shows the author their pending comment'),
        ('exact', 'DONE'),
    ]
    problems = []
    if x.title.strip() != 'DONE':
        problems.append(f'title is {x.title.strip()!r}, not DONE')
    for kind, want in expected:
        if kind == 'exact':
            hit = want in lines
        else:
            hit = any(re.fullmatch(want, l) for l in lines)
        if not hit:
            problems.append(f'missing line: {want}')
    for l in lines:
        if l.startswith('FAIL'):
            problems.append(f'page says: {l}')

    if server_log:
        seen = []
        with open(server_log, encoding='utf-8', errors='replace') as f:
            for raw in f:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if entry.get('message') == 'request':
                    seen.append((entry.get('method'), entry.get('route'), entry.get('status')))
        preflights = [s for s in seen if s[0] == 'OPTIONS']
        if not preflights:
            problems.append('server log: no OPTIONS preflight reached the API')
        elif any(s[2] != 200 for s in preflights):
            problems.append(f'server log: preflights not all 200: {preflights}')
        for route in ('/api/v1/articles/{key}/reactions/mine', '/api/v1/articles/{key}/comments',
                      '/api/v1/me/comments'):
            if ('OPTIONS', route, 200) not in seen:
                problems.append(f'server log: no preflight for {route}')
        if ('GET', '/api/v1/articles/{key}', 304) not in seen:
            problems.append('server log: no 304 for GET /api/v1/articles/{key}')
        if not problems:
            print(f'server log: {len(seen)} API requests, {len(preflights)} CORS preflights, '
                  f'{sum(1 for s in seen if s[2] == 304)} answered 304')

    print('--- page log')
    print(x.log.rstrip('\n'))
    if problems:
        print('--- problems')
        for p in problems:
            print(p)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
