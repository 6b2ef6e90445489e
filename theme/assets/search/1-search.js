/* Site search with Pagefind: runs the query from the search box (?q=), offers
   filters and sorting, and announces the result count. Without JavaScript the
   search page still lists every section, so readers can browse instead. */
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

  function run() {
    var query = input.value.trim();
    var filters = chosenFilters();
    var hasFilter = Object.keys(filters).length > 0;
    list.textContent = "";
    var oldMore = document.querySelector(".sw-search__more");
    if (oldMore) { oldMore.remove(); }
    if (!query && !hasFilter) {
      status.textContent = "请输入要查找的内容，例如：停水、水费、招标。";
      return Promise.resolve();
    }
    status.textContent = "正在搜索……";
    var options = { filters: filters };
    if (selects.sort && selects.sort.value === "newest") { options.sort = { date: "desc" }; }
    return pagefind.search(query || null, options).then(function (search) {
      current = search.results;
      shown = 0;
      status.textContent = current.length
        ? "找到 " + current.length + " 条结果" + (query ? "：“" + query + "”" : "")
        : "没有找到与“" + query + "”相关的内容。可以换个说法，或拨打服务热线咨询。";
      return showMore();
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

  import("/pagefind/pagefind.js").then(function (module) {
    pagefind = module;
    return pagefind.options({ excerptLength: 40 });
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
