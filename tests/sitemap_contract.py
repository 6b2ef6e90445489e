"""The URLs of SITEMAP.md's table, written out independently of sections.py so
that a section missing from the code is caught."""

SITEMAP_URLS = [
    "/",
    "/about/chairman/", "/about/profile/", "/about/organization/", "/about/identity/",
    "/news/group/", "/news/paper/", "/news/industry/", "/news/topics/",
    "/culture/integrity/", "/culture/union/", "/culture/youth/", "/culture/women/", "/culture/staff/",
    "/notices/outages/",
    "/service/bill/", "/service/sewage-bill/", "/service/invoice/", "/service/pay/",
    "/service/guides/",
    "/service/commitment/", "/service/tips/",
    "/service/prices/", "/service/materials/", "/service/outlets/",
    "/service/feedback/", "/service/survey/",
    "/library/laws/", "/library/policies/", "/library/standards/",
    "/tenders/works/", "/tenders/goods/", "/tenders/services/",
    "/jobs/",
    "/contact/",
    "/search/",
    # Section landing pages
    "/about/", "/news/", "/culture/", "/service/", "/library/", "/tenders/", "/notices/",
]  # fmt: skip

TOP_LEVEL = [
    "/about/",
    "/news/",
    "/culture/",
    "/notices/",
    "/service/",
    "/library/",
    "/tenders/",
    "/jobs/",
    "/contact/",
]
