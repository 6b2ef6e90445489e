/* Listing filters: narrow the items of a listing or the rows of a table by a
   select (招标类型, 状态, 效力 ...) or by typed text (停水范围: "does this affect
   me?", 材料名称). The page declares them (data-filter-selects / data-filter-text
   on data-filter-scope); list items and table rows carry their values as
   data-filter-<key>. Without JavaScript everything is simply listed. */
(function () {
  "use strict";

  function parse(spec) {
    return (spec || "").split(",").filter(Boolean).map(function (part) {
      var at = part.indexOf(":");
      return { key: part.slice(0, at), label: part.slice(at + 1) };
    });
  }

  function attr(key) { return "data-filter-" + key; }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  document.querySelectorAll("[data-filter-scope]").forEach(function (scope, number) {
    var selects = parse(scope.getAttribute("data-filter-selects"));
    var texts = parse(scope.getAttribute("data-filter-text"));
    var keys = selects.concat(texts).map(function (f) { return f.key; });
    var items = Array.prototype.filter.call(scope.querySelectorAll("li, tr"), function (li) {
      return keys.some(function (key) { return li.hasAttribute(attr(key)); });
    });
    if (!items.length) { return; }
    var controls = element("div", "sw-filter");
    var status = element("p", "sw-filter__status");
    status.setAttribute("role", "status");
    var inputs = [];

    function apply() {
      var shown = 0;
      items.forEach(function (li) {
        var visible = inputs.every(function (input) {
          var wanted = input.control.value.trim();
          var value = li.getAttribute(attr(input.key)) || "";
          if (!wanted) { return true; }
          return input.exact ? value === wanted : value.indexOf(wanted) !== -1;
        });
        li.hidden = !visible;
        if (visible) { shown += 1; }
      });
      status.textContent = shown === items.length ? "" : "显示 " + shown + " 条（本页共 " + items.length + " 条）";
    }

    function field(label, control, key, exact) {
      var id = "sw-filter-" + number + "-" + key;
      var wrap = element("div", "sw-filter__field");
      var caption = element("label", "sw-filter__label", label);
      caption.htmlFor = id;
      control.id = id;
      wrap.appendChild(caption);
      wrap.appendChild(control);
      controls.appendChild(wrap);
      inputs.push({ key: key, control: control, exact: exact });
    }

    selects.forEach(function (filter) {
      var select = element("select", "sw-filter__select");
      var values = [];
      items.forEach(function (li) {
        var value = li.getAttribute(attr(filter.key));
        if (value && values.indexOf(value) === -1) { values.push(value); }
      });
      [""].concat(values.sort()).forEach(function (value) {
        var option = element("option", "", value || "全部");
        option.value = value;
        select.appendChild(option);
      });
      select.addEventListener("change", apply);
      field(filter.label, select, filter.key, true);
    });
    texts.forEach(function (filter) {
      var input = element("input", "sw-filter__input");
      input.type = "search";
      input.autocomplete = "off";
      input.addEventListener("input", apply);
      field(filter.label, input, filter.key, false);
    });
    controls.appendChild(status);
    scope.insertBefore(controls, scope.firstChild);
  });
})();
