/* Site search with Pagefind: runs the query from the search box (?q=), offers
   filters and sorting, and announces the result count. Without JavaScript the
   search page still lists every section, so readers can browse instead.

   Two aids from content/data/search.yml (served as /search/hints.json):
   recommended pages for common service words are listed first (推荐), and a
   query is also run for its synonyms, merged by Pagefind's own score. The
   browser splits queries with Intl.Segmenter, which cuts words like 过户 or
   营业厅 into single characters; Pagefind's ranking still finds them, and the
   recommendations cover the services people ask for most (see README). */
(function () {
  "use strict";
  var form = document.querySelector("[data-search-form]");
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var controls = document.querySelector("[data-search-controls]");
  if (!form || !status || !list || !controls) { return; }
  var input = form.querySelector("input[name=q]");
  var FILTERS = ["栏目", "类型", "年份"];
  var PAGE_SIZE = 10;
  var pagefind = null;
  var hints = { synonyms: [], recommend: [] };
  var SYNONYM_WEIGHT = 0.8; /* a synonym's match ranks a little below the word typed */
  var recommended = null;
  var selects = {};
  var shown = 0;
  var current = [];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  /* Pagefind's excerpt marks matches with <mark>; copy only text and marks,
     never markup, into the page. */
  function excerpt(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var out = element("p", "sw-search__excerpt");
    holder.content.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.nodeName === "MARK") {
        out.appendChild(element("mark", "", node.textContent));
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    });
    return out;
  }

  function renderResult(data) {
    var item = element("li", "sw-search__result");
    var link = element("a", "sw-search__title", data.meta.title || data.url);
    link.href = data.url;
    item.appendChild(link);
    var meta = [data.meta.section, data.meta.date].filter(Boolean).join(" · ");
    if (meta) { item.appendChild(element("p", "sw-search__meta", meta)); }
    item.appendChild(excerpt(data.excerpt));
    return item;
  }

  function showMore() {
    var batch = current.slice(shown, shown + PAGE_SIZE);
    shown += batch.length;
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
      items.forEach(function (data) { list.appendChild(renderResult(data)); });
      var more = document.querySelector(".sw-search__more");
      if (more) { more.remove(); }
      if (shown < current.length) {
        var button = element("button", "sw-button sw-search__more", "显示更多结果");
        button.type = "button";
        button.addEventListener("click", showMore);
        list.after(button);
      }
    });
  }

  function chosenFilters() {
    var filters = {};
    FILTERS.forEach(function (name) {
      if (selects[name] && selects[name].value) { filters[name] = selects[name].value; }
    });
    return filters;
  }

  function showRecommended(query) {
    if (recommended) { recommended.remove(); recommended = null; }
    var seen = {};
    var pages = [];
    /* Entries naming the query exactly first, then those whose word it contains. */
    var exact = hints.recommend.filter(function (e) { return e.keywords.indexOf(query) !== -1; });
    var partial = hints.recommend.filter(function (e) {
      return exact.indexOf(e) === -1 && e.keywords.some(function (k) { return k.length > 1 && query.indexOf(k) !== -1; });
    });
    exact.concat(partial).forEach(function (entry) {
      entry.pages.forEach(function (page) {
        if (!seen[page.url]) { seen[page.url] = true; pages.push(page); }
      });
    });
    if (!pages.length) { return; }
    recommended = element("section", "sw-search__recommended");
    recommended.setAttribute("aria-label", "推荐");
    recommended.appendChild(element("h2", "sw-search__recommended-title", "推荐"));
    var links = element("ul", "sw-search__recommended-list");
    pages.forEach(function (page) {
      var item = element("li");
      var link = element("a", "", page.title);
      link.href = page.url;
      item.appendChild(link);
      links.appendChild(item);
    });
    recommended.appendChild(links);
    status.after(recommended);
  }

  function variantsOf(query) {
    var words = [query];
    hints.synonyms.forEach(function (group) {
      if (group.indexOf(query) === -1) { return; }
      group.forEach(function (word) { if (words.indexOf(word) === -1) { words.push(word); } });
    });
    return words;
  }

  /* True when the browser cuts the query into single characters (过户 → 过|户):
     Pagefind then matches each character on its own and ranks short pages
     that merely contain 过 and 户 too high. */
  function cutIntoCharacters(query) {
    if (typeof Intl.Segmenter !== "function" || query.length < 2) { return false; }
    var segments = Array.from(new Intl.Segmenter("zh-CN", { granularity: "word" }).segment(query));
    return segments.some(function (s) { return /^[\u4e00-\u9fff]$/.test(s.segment); });
  }

  var RERANK_DEPTH = 20;

  /* For such queries, results whose text holds the whole query move up; the
     rest keep Pagefind's order. Measured: see README (search quality). */
  function keepWholeWordsFirst(query, results) {
    var head = results.slice(0, RERANK_DEPTH);
    return Promise.all(head.map(function (r) { return r.data(); })).then(function (data) {
      var ranked = head.map(function (result, index) {
        return { result: result, index: index, whole: data[index].content.indexOf(query) !== -1 };
      }).sort(function (a, b) { return (b.whole - a.whole) || (a.index - b.index); });
      return ranked.map(function (entry) { return entry.result; }).concat(results.slice(RERANK_DEPTH));
    });
  }

  /* The query and its synonyms, merged by Pagefind's score; sorted by date
     when the reader asks for newest first (then only the query itself). */
  function searchAll(query, options) {
    var words = query && !options.sort ? variantsOf(query) : [query || null];
    return Promise.all(words.map(function (word) { return pagefind.search(word, options); })).then(function (searches) {
      if (searches.length === 1) { return searches[0].results; }
      var best = {};
      searches.forEach(function (search, index) {
        var weight = index === 0 ? 1 : SYNONYM_WEIGHT;
        search.results.forEach(function (result, rank) {
          var score = result.score * weight;
          if (!best[result.id] || best[result.id].score < score) {
            best[result.id] = { result: result, score: score, order: index * 100000 + rank };
          }
        });
      });
      return Object.keys(best).map(function (id) { return best[id]; })
        .sort(function (a, b) { return (b.score - a.score) || (a.order - b.order); })
        .map(function (entry) { return entry.result; });
    });
  }

  function run() {
    var query = input.value.trim();
    var filters = chosenFilters();
    var hasFilter = Object.keys(filters).length > 0;
    list.textContent = "";
    var oldMore = document.querySelector(".sw-search__more");
    if (oldMore) { oldMore.remove(); }
    showRecommended(query);
    if (!query && !hasFilter) {
      status.textContent = "请输入要查找的内容，例如：停水、水费、招标。";
      return Promise.resolve();
    }
    status.textContent = "正在搜索……";
    list.setAttribute("aria-busy", "true");
    var options = { filters: filters };
    if (selects.sort && selects.sort.value === "newest") { options.sort = { date: "desc" }; }
    return searchAll(query, options).then(function (results) {
      return query && !options.sort && cutIntoCharacters(query) ? keepWholeWordsFirst(query, results) : results;
    }).then(function (results) {
      current = results;
      shown = 0;
      status.textContent = current.length
        ? "找到 " + current.length + " 条结果" + (query ? "：“" + query + "”" : "")
        : "没有找到与“" + query + "”相关的内容。可以换个说法，或拨打服务热线咨询。";
      return showMore();
    }).then(function () {
      list.setAttribute("aria-busy", "false");
    });
  }

  function labelledSelect(name, label, options) {
    var wrap = element("div", "sw-search__control");
    var id = "sw-search-" + name;
    var caption = element("label", "sw-search__label", label);
    caption.htmlFor = id;
    var select = element("select", "sw-search__select");
    select.id = id;
    options.forEach(function (pair) {
      var option = element("option", "", pair[1]);
      option.value = pair[0];
      select.appendChild(option);
    });
    select.addEventListener("change", run);
    wrap.appendChild(caption);
    wrap.appendChild(select);
    controls.appendChild(wrap);
    selects[name] = select;
  }

  function buildControls(available) {
    FILTERS.forEach(function (name) {
      var values = Object.keys(available[name] || {}).sort();
      if (name === "年份") { values.reverse(); }
      labelledSelect(name, name, [["", "全部"]].concat(values.map(function (v) { return [v, v]; })));
    });
    labelledSelect("sort", "排序", [["relevance", "按相关度"], ["newest", "按发布时间（最新在前）"]]);
  }

  form.addEventListener("submit", function (event) {
    if (!pagefind) { return; } /* not ready: let the browser submit normally */
    event.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value.trim());
    window.history.replaceState(null, "", url);
    run();
  });

  var hintsLoaded = window.fetch("/search/hints.json").then(function (response) {
    return response.ok ? response.json() : hints;
  }).then(function (loaded) { hints = loaded; }).catch(function () { /* search works without them */ });

  import("/pagefind/pagefind.js").then(function (module) {
    pagefind = module;
    return pagefind.options({ excerptLength: 40 });
  }).then(function () {
    return hintsLoaded;
  }).then(function () {
    return pagefind.filters();
  }).then(function (available) {
    buildControls(available);
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { input.value = query; }
    return run();
  }).catch(function () {
    status.textContent = "搜索暂时不可用，请按下方栏目浏览，或拨打服务热线。";
  });
})();
